import ArgumentParser
import Taskloop

#if canImport(Glibc)
import Glibc
#endif

/// The `taskloop` command line: parses, dispatches to a subcommand, and turns
/// every error into its exit code. Only this layer decides exit codes.
public enum TaskloopMain {
    public static func run(arguments: [String]? = nil) async -> Never {
        // Step output goes to pipes that may close early (`taskloop run | head`):
        // a failed write is an error to handle, not a signal that kills the run.
        signal(SIGPIPE, SIG_IGN)
        do {
            var command = try TaskloopCommand.parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            exit(0)
        } catch let exitCode as ExitCode {
            exit(exitCode.rawValue)
        } catch {
            let code = TaskloopCommand.exitCode(for: error)
            if code == .validationFailure {
                // Bad usage: argument-parser's message and usage, and exit 2 as documented.
                let message = TaskloopCommand.fullMessage(for: error)
                FileHandleOutput.standardError(message + "\n")
                exit(ExitStatus.invalidInput)
            }
            TaskloopCommand.exit(withError: error)
        }
    }
}

/// The exit codes `taskloop` documents.
enum ExitStatus {
    static let success: Int32 = 0
    static let stepFailed: Int32 = 1
    static let invalidInput: Int32 = 2
    static let interrupted: Int32 = 130
    static let terminated: Int32 = 143
}

struct TaskloopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "taskloop",
        abstract: "Run a pipeline of steps: I/O steps on one event loop, CPU steps in worker processes.",
        discussion: """
            A pipeline is a YAML file of named steps with `needs` between them. Steps that \
            wait (shell commands, file operations, sleeps) all run cooperatively on one \
            event-loop thread, so thousands can wait at once. Every run records a timeline \
            in .taskloop/runs/<run-id>/events.jsonl beside the pipeline.

            Exit codes: 0 success, 1 a step failed, 2 an invalid pipeline or bad usage, \
            130 interrupted (SIGINT), 143 terminated (SIGTERM).

            Start with:  taskloop run pipelines/hello.yaml
            """,
        version: "taskloop \(taskloopVersion)",
        subcommands: [RunCommand.self, ValidateCommand.self, GraphCommand.self]
    )
}
