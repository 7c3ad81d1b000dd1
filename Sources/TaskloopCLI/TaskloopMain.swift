import ArgumentParser
public import Taskloop

#if canImport(Glibc)
import Glibc
#endif

/// The `taskloop` command line: parses, dispatches to a subcommand, and turns
/// every error into its exit code. Only this layer decides exit codes.
///
/// A plugin package builds its own runner with one line:
///
///     @main struct Runner {
///         static func main() async {
///             await TaskloopMain.run(plugins: [TemplateStep.self], cpuFunctions: [WordCount.self])
///         }
///     }
///
/// Its steps are written `uses: NAME`; its workers re-run the same binary, so
/// its CPU functions exist there too.
public enum TaskloopMain {
    /// The step kinds this process knows: the built-in ones and its plugins'.
    @TaskLocal static var registry = StepKindRegistry.builtIn

    public static func run(
        arguments: [String]? = nil, plugins: [any StepKind.Type] = [], cpuFunctions: [any CPUFunction.Type] = []
    ) async -> Never {
        MallocArenas.limit()
        // Step output goes to pipes that may close early (`taskloop run | head`):
        // a failed write is an error to handle, not a signal that kills the run.
        signal(SIGPIPE, SIG_IGN)
        let registry = StepKindRegistry.builtIn.adding(plugins: plugins, cpuFunctions: cpuFunctions)
        let arguments = arguments ?? Array(CommandLine.arguments.dropFirst())
        if arguments == WorkerLaunch.workerModeArguments {
            // A worker process, started by a run that waits for its hello:
            // the exact command line the runner gives needs no parsing, and
            // swift-argument-parser's reflection over every command's options
            // is about half of a worker's start (see README, Figures).
            // `taskloop worker --help` and the like still go through the parser.
            WorkerMain.run(registry: registry)
        }
        let status = await $registry.withValue(registry) {
            await dispatch(arguments)
        }
        exit(status)
    }

    /// Runs the command line; returns the exit status.
    private static func dispatch(_ arguments: [String]) async -> Int32 {
        do {
            var command = try TaskloopCommand.parseAsRoot(ForceArgument.normalize(ResumeArgument.normalize(arguments)))
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return ExitStatus.success
        } catch let exitCode as ExitCode {
            return exitCode.rawValue
        } catch {
            let code = TaskloopCommand.exitCode(for: error)
            let message = TaskloopCommand.fullMessage(for: error)
            if code == .success {
                // --help and --version: the text is the output.
                FileHandleOutput.standardOutput(message + "\n")
                return ExitStatus.success
            }
            FileHandleOutput.standardError(message + "\n")
            // Bad usage exits with 2, as documented; anything else keeps its code.
            return code == .validationFailure ? ExitStatus.invalidInput : code.rawValue
        }
    }
}

/// The exit codes `taskloop` documents.
enum ExitStatus {
    static let success: Int32 = 0
    static let stepFailed: Int32 = 1
    static let invalidInput: Int32 = 2

    /// A run a signal stopped: 128 plus the signal's number, as a shell
    /// reports a command a signal ended: 130 for SIGINT, 143 for SIGTERM,
    /// 129 for SIGHUP.
    static func stopped(by signalNumber: Int32) -> Int32 { 128 + signalNumber }
}

struct TaskloopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "taskloop",
        abstract: "Run a pipeline of steps: I/O steps on one event loop, CPU steps in worker processes.",
        discussion: """
            A pipeline is a YAML file of named steps with `needs` between them. Steps that \
            wait (shell commands, file operations, HTTP requests, sleeps, plugin I/O kinds) all \
            run cooperatively on one event-loop thread, so thousands can wait at once; CPU \
            steps (`cpu:`) run in a pool of worker processes, in parallel on every core. Every \
            run records a timeline in .taskloop/runs/<run-id>/events.jsonl beside the pipeline, \
            which `taskloop timeline` renders again as a summary, a Perfetto trace or an HTML report.

            In CI: --junit and --json write results; under GitHub Actions, step output is \
            grouped, failures become annotations on their pipeline lines, and a summary goes \
            to the job's summary page. `secrets:` values are masked everywhere.

            Exit codes: 0 success, 1 a step failed, 2 an invalid pipeline or bad usage, \
            130 interrupted (SIGINT), 143 terminated (SIGTERM), 129 hung up (SIGHUP).

            Examples:
              taskloop run pipelines/hello.yaml
              taskloop run pipelines/build.yaml unit-tests --keep-going
              taskloop run pipelines/build.yaml --resume
              taskloop validate pipelines/*.yaml
              taskloop help run
            """,
        version: "taskloop \(taskloopVersion)",
        subcommands: [RunCommand.self, ValidateCommand.self, GraphCommand.self, TimelineCommand.self, StepsCommand.self, WhyCommand.self, CacheCommand.self, WorkerCommand.self]
    )
}
