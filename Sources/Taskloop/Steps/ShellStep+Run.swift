import CTaskloopShims
import NIOPosix
import NIOCore

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
    /// `watch`, if given, looks for the line an executor's wrapper writes to
    /// stderr as the command starts on its node.
    func run(
        in context: StepContext, watching watch: StartMarkerWatch? = nil, commandLine: (_ outputPath: String) -> [String]
    ) async throws -> StepOutputs {
        var environment = context.environment
        environment["TASKLOOP_STEP"] = context.stepID.rawValue
        let outputFileLocation = Self.outputFileLocation(in: context)
        environment["TASKLOOP_OUTPUT"] = outputFileLocation.path
        let arguments = commandLine(outputFileLocation.path)

        let capture = ShellCapture(
            limit: Self.capturedOutputLimit, errorLines: Self.reportedErrorLines, masker: context.secretMasker)
        let pipes = try ShellPipes()
        let (standardOutput, standardError) = try await Self.startReaders(of: pipes, context: context, capture: capture, watch: watch)
        let processGroup = ProcessGroupHandle()
        let process: ChildProcess
        let outputFile: ShellOutputFile
        do {
            let configuration = ChildProcess.Configuration(
                executable: arguments[0], arguments: Array(arguments.dropFirst()), environment: environment,
                directory: context.workingDirectory.isEmpty ? nil : context.workingDirectory,
                standardInput: nil, standardOutput: pipes.outputWrite, standardError: pipes.errorWrite)
            (process, outputFile) = try await Self.start(
                configuration, outputFile: outputFileLocation, leading: processGroup, threadPool: context.threadPool)
        } catch {
            pipes.closeWriteEnds()
            await standardOutput.close()
            await standardError.close()
            if Task.isCancelled { throw CancellationError() }
            throw (error as? StepFailure) ?? StepFailure("\(error)")
        }
        // The child has its copies: the output ends when the last process
        // holding one does.
        pipes.closeWriteEnds()
        let eventLoop = context.eventLoop
        let grace = context.terminationGracePeriod
        let status = await withTaskCancellationHandler {
            // The shell has exited: end what is left of its group before its
            // pid can be reused (``ProcessGroupHandle``).
            await process.waitForExit(on: eventLoop) { processGroup.end() }
        } onCancel: {
            processGroup.terminate()
            eventLoop.scheduleTask(in: .nanoseconds(grace.nanosecondsClamped)) { processGroup.signal(SIGKILL) }
        }
        // Take what is still in the pipes; the output ends there.
        await ShellOutputReader.endWithPipeContents([standardOutput, standardError])
        if Task.isCancelled {
            outputFile.discard(removal: context.fileRemoval)
            throw CancellationError()
        }

        var outputs: StepOutputs = ["stdout": .string(capture.standardOutput)]
        for (name, value) in try await Self.readOutputs(of: outputFile, in: context) { outputs[name] = .string(value) }
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

    /// The file of the command's `$TASKLOOP_OUTPUT`, in the run's folder,
    /// named after the step (see ``StepFileName``) and the attempt.
    private static func outputFileLocation(in context: StepContext) -> (path: String, folder: String) {
        let folder = context.runDirectory + "/outputs"
        return (folder + "/\(StepFileName.make(for: context.stepID)).\(context.attempt).txt", folder)
    }

    /// Makes the command's empty `$TASKLOOP_OUTPUT` file and starts the
    /// command, on the thread pool: the thread that starts a child waits
    /// until the child executes (see ``ChildProcess``), and that wait (the
    /// child's set-up, the first part of `execve`) and the file's creation
    /// are never the loop's. So the loop goes on with other steps meanwhile,
    /// and two children can be starting at once. `group` knows the child as
    /// soon as it exists. When the command cannot start, its file is removed.
    private static func start(
        _ configuration: ChildProcess.Configuration, outputFile: (path: String, folder: String), leading group: ProcessGroupHandle,
        threadPool: NIOThreadPool
    ) async throws -> (ChildProcess, ShellOutputFile) {
        try await threadPool.runIfActive {
            let file = try ShellOutputFile.create(path: outputFile.path, folder: outputFile.folder)
            do {
                let process = try ChildProcess.spawn(configuration)
                group.started(leader: process.pid)
                return (process, file)
            } catch {
                file.remove()
                throw error
            }
        }
    }

    /// The outputs the command wrote to `$TASKLOOP_OUTPUT` (at most 1 MiB);
    /// the file is removed once read.
    private static func readOutputs(of file: ShellOutputFile, in context: StepContext) async throws -> [String: String] {
        let text = try await file.take(
            limit: 1024 * 1024, ranHere: context.executor == nil, threadPool: context.threadPool, removal: context.fileRemoval)
        do {
            return try OutputFile.parse(text)
        } catch {
            throw StepFailure("$TASKLOOP_OUTPUT line \(error.line): \(error.reason)")
        }
    }

    /// Starts reading both pipes. If that fails, no reader is left running
    /// and the write ends are closed (the command is not started).
    private static func startReaders(
        of pipes: ShellPipes, context: StepContext, capture: ShellCapture, watch: StartMarkerWatch?
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
            let error = try await ShellOutputReader.start(reading: pipes.errorRead, as: .standardError, step: context, capture: capture, watching: watch)
            return (output, error)
        } catch {
            pipes.closeWriteEnds()
            await output.close()
            throw StepFailure("cannot read the command's output: \(error)")
        }
    }
}
