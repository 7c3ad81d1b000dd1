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

        let capture = ShellCapture(limit: Self.capturedOutputLimit, errorLines: Self.reportedErrorLines)
        let processGroup = ProcessGroupHandle()
        let status: TerminationStatus
        do {
            defer { processGroup.killRemaining() }
            status = try await Subprocess.run(
                .path("/bin/sh"), arguments: ["-c", command],
                environment: .inherit.updating(environment),
                workingDirectory: FilePath(context.workingDirectory.isEmpty ? "." : context.workingDirectory),
                platformOptions: platformOptions,
                input: .none, output: .sequence, error: .sequence
            ) { execution in
                processGroup.leader = execution.processIdentifier.value
                try await withTaskCancellationHandler {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            try await Self.stream(execution.standardOutput, as: .standardOutput, context: context, capture: capture)
                        }
                        group.addTask {
                            try await Self.stream(execution.standardError, as: .standardError, context: context, capture: capture)
                        }
                        try await group.waitForAll()
                    }
                } onCancel: {
                    try? execution.send(signal: .terminate, toProcessGroup: true)
                }
            }.terminationStatus
        } catch let error as SubprocessError {
            if Task.isCancelled { throw CancellationError() }
            throw StepFailure("could not start /bin/sh in \(context.workingDirectory): \(error)")
        }
        try Task.checkCancellation()

        let stdout = capture.standardOutput
        switch status {
        case .exited(0):
            return ["stdout": .string(stdout), "exit-code": JSONValue(0)]
        case .exited(let code):
            throw StepFailure(
                "exited with status \(code)", exitCode: code, details: capture.lastErrorLines,
                outputs: ["stdout": .string(stdout), "exit-code": JSONValue(Int(code))])
        case .signaled(let signal):
            throw StepFailure(
                "was killed by \(SignalName.of(signal))", exitCode: 128 + signal, details: capture.lastErrorLines,
                outputs: ["stdout": .string(stdout), "exit-code": JSONValue(Int(128 + signal))])
        }
    }

    private static func stream(
        _ sequence: SubprocessOutputSequence, as stream: StepOutputChunk.Stream,
        context: StepContext, capture: ShellCapture
    ) async throws {
        var lines = LineAssembler()
        do {
            for try await buffer in sequence {
                let bytes = buffer.withUnsafeBytes { Array($0) }
                if stream == .standardOutput { capture.appendOutput(bytes) }
                for line in lines.append(bytes) {
                    if stream == .standardError { capture.appendErrorLine(line) }
                    context.write(line + "\n", to: stream)
                }
            }
        } catch let error as SubprocessError where !Task.isCancelled {
            // The shell exited while a process it left behind still held the
            // pipe open: the output ends here (that process is killed next).
            _ = error
        }
        if let rest = lines.finish() {
            if stream == .standardError { capture.appendErrorLine(rest) }
            context.write(rest + "\n", to: stream)
        }
    }
}
