import NIOCore
import NIOFileSystem
import Subprocess
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

extension ShellStep {
    /// The most of stdout kept as the output `stdout`; the rest is still
    /// streamed to the console but not kept.
    static let capturedOutputLimit = 1024 * 1024
    /// How many of the last stderr lines a failure reports.
    static let reportedErrorLines = 20

    /// Runs `/bin/sh -c command` as the leader of a new process group, with the
    /// pipeline's and the step's environment on top of the inherited one.
    ///
    /// Output is streamed line by line as it arrives. When the step is cancelled
    /// (timeout, fail-fast, interrupt) the whole group gets SIGTERM, the shell
    /// gets `terminationGracePeriod` to exit, then SIGKILL; and once the shell
    /// has exited, whatever is left in its group is killed, so no process the
    /// step started outlives it.
    public func run(in context: StepContext) async throws -> StepOutputs {
        if let executor = context.executor { return try await run(on: executor, in: context) }
        return try await run(in: context) { _ in ["/bin/sh", "-c", command] }
    }

    /// Runs the command line `commandLine` makes (given the path of
    /// `$TASKLOOP_OUTPUT`): `/bin/sh -c COMMAND` here, `srun …` or `ssh …` on
    /// an executor.
    func run(in context: StepContext, commandLine: (_ outputPath: String) -> [String]) async throws -> StepOutputs {
        var platformOptions = PlatformOptions()
        platformOptions.processGroupID = 0
        platformOptions.teardownSequence = [
            .gracefulShutDown(allowedDurationToNextStep: context.terminationGracePeriod)
        ]
        var environment: [Environment.Key: String?] = [:]
        for (name, value) in context.environment {
            environment[Environment.Key(stringLiteral: name)] = value
        }
        environment["TASKLOOP_STEP"] = context.stepID.rawValue
        let outputPath = try await Self.createOutputFile(in: context)
        environment["TASKLOOP_OUTPUT"] = outputPath
        let arguments = commandLine(outputPath)

        let capture = ShellCapture(limit: Self.capturedOutputLimit, errorLines: Self.reportedErrorLines)
        let pipes = try ShellPipes()
        let (standardOutput, standardError) = try await Self.startReaders(of: pipes, context: context, capture: capture)
        let processGroup = ProcessGroupHandle()
        let status: TerminationStatus
        do {
            status = try await withTaskCancellationHandler {
                try await Subprocess.run(
                    arguments[0].hasPrefix("/") ? .path(FilePath(arguments[0])) : .name(arguments[0]),
                    arguments: Arguments(Array(arguments.dropFirst())),
                    environment: .inherit.updating(environment),
                    workingDirectory: FilePath(context.workingDirectory.isEmpty ? "." : context.workingDirectory),
                    platformOptions: platformOptions,
                    input: .none,
                    output: .fileDescriptor(FileDescriptor(rawValue: pipes.outputWrite), closeAfterSpawningProcess: true),
                    error: .fileDescriptor(FileDescriptor(rawValue: pipes.errorWrite), closeAfterSpawningProcess: true)
                ) { execution in
                    processGroup.leader = execution.processIdentifier.value
                    // A cancellation that came before the leader was known.
                    if Task.isCancelled { processGroup.terminate() }
                }.terminationStatus
            } onCancel: {
                processGroup.terminate()
            }
        } catch {
            processGroup.killRemaining()
            await standardOutput.close()
            await standardError.close()
            guard let failure = error as? SubprocessError else { throw error }
            if Task.isCancelled { throw CancellationError() }
            throw StepFailure("could not start \(arguments[0]) in \(context.workingDirectory): \(failure)")
        }
        // The shell has exited: end what is left of its group, then take what
        // is still in the pipes; the output ends there.
        processGroup.killRemaining()
        await ShellOutputReader.endWithPipeContents([standardOutput, standardError])
        try Task.checkCancellation()

        var outputs: StepOutputs = ["stdout": .string(capture.standardOutput)]
        for (name, value) in try await Self.readOutputFile(outputPath) { outputs[name] = .string(value) }
        switch status {
        case .exited(0):
            outputs["exit-code"] = JSONValue(0)
            return outputs
        case .exited(let code):
            outputs["exit-code"] = JSONValue(Int(code))
            throw StepFailure("exited with status \(code)", exitCode: code, details: capture.lastErrorLines, outputs: outputs)
        case .signaled(let signal):
            outputs["exit-code"] = JSONValue(Int(128 + signal))
            throw StepFailure(
                "was killed by \(SignalName.of(signal))", exitCode: 128 + signal, details: capture.lastErrorLines, outputs: outputs)
        }
    }

    /// An empty file for the command's `$TASKLOOP_OUTPUT`, in the run's folder.
    private static func createOutputFile(in context: StepContext) async throws -> String {
        let folder = context.runDirectory + "/outputs"
        let path = folder + "/\(context.stepID).\(context.attempt).txt"
        do {
            try await FileSystem.shared.createDirectory(at: FilePath(folder), withIntermediateDirectories: true)
            try await FileSystem.shared.withFileHandle(forWritingAt: FilePath(path), options: .newFile(replaceExisting: true)) { _ in }
        } catch {
            throw StepFailure("cannot create the output file \(path): \(error)")
        }
        return path
    }

    /// The outputs the command wrote to `$TASKLOOP_OUTPUT` (at most 1 MiB).
    /// The file is removed once read: the values live on in the step's
    /// result (and, masked, in the event log), never in a stray file.
    private static func readOutputFile(_ path: String) async throws -> [String: String] {
        let text: String
        do {
            let buffer = try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(path)) { handle in
                try await handle.readToEnd(maximumSizeAllowed: .mebibytes(1))
            }
            text = String(buffer: buffer)
        } catch {
            throw StepFailure("cannot read $TASKLOOP_OUTPUT (\(path)): \(error)")
        }
        _ = try? await FileSystem.shared.removeItem(at: FilePath(path), strategy: .platformDefault, recursively: false)
        do {
            return try OutputFile.parse(text)
        } catch {
            throw StepFailure("$TASKLOOP_OUTPUT line \(error.line): \(error.reason)")
        }
    }

    /// Starts reading both pipes. If that fails, no reader is left running
    /// and the write ends are closed (the command is not started).
    private static func startReaders(
        of pipes: ShellPipes, context: StepContext, capture: ShellCapture
    ) async throws -> (output: ShellOutputReader, error: ShellOutputReader) {
        let output: ShellOutputReader
        do {
            output = try await ShellOutputReader.start(reading: pipes.outputRead, as: .standardOutput, step: context, capture: capture)
        } catch {
            close(pipes.errorRead)
            pipes.closeWriteEnds()
            throw StepFailure("cannot read the command's output: \(error)")
        }
        do {
            let error = try await ShellOutputReader.start(reading: pipes.errorRead, as: .standardError, step: context, capture: capture)
            return (output, error)
        } catch {
            pipes.closeWriteEnds()
            await output.close()
            throw StepFailure("cannot read the command's output: \(error)")
        }
    }
}
