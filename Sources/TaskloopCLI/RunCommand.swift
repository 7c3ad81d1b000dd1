import ArgumentParser
import Foundation
import Taskloop

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline.",
        discussion: """
            Steps start as soon as all their `needs` have succeeded, in file order, within \
            `limits.io` and their pool. Output is streamed live, each line prefixed with the \
            step id (--output grouped prints each step's output whole when it ends). On a \
            terminal a status area below the output shows the running steps and a progress \
            bar; elsewhere each step's start and end is a timestamped line. At the end come \
            a summary (each step's start, duration and status, the makespan, the achieved \
            concurrency), a text Gantt chart, and last the failures in the order they \
            happened, with their last lines of output. The event log is written to \
            .taskloop/runs/<run-id>/events.jsonl beside the pipeline (or --events PATH).

            By default the first failure stops the run: running steps are cancelled (their \
            process groups get SIGTERM, then SIGKILL) and the rest are skipped. With \
            --keep-going, everything that does not depend on a failed step still runs.

            Ctrl-C (SIGINT), SIGTERM or SIGHUP stops the run the same way and exits with 130, 143 or 129 \
            (SIGHUP stays ignored under nohup).

            For CI, after the run: --junit PATH writes JUnit XML (a test case per step, with \
            failures, errors for cancelled steps, skips, and each step's output), --json PATH \
            the run's result as JSON (status, exit code, counts, every step with its outputs \
            and the end of its output). When GITHUB_ACTIONS=true, each failed step is printed \
            as an ::error annotation on its line of the pipeline file (::warning with \
            continue-on-error), and a Markdown summary is appended to $GITHUB_STEP_SUMMARY.

            Choosing steps: name steps after the file to run only them and what they need \
            (a name also selects its matrix expansions, `test` selects `test[os=linux]`); the \
            others are skipped as "not selected". --skip STEP leaves a step out, and with it \
            the steps that need it.

            Resuming: --resume reruns what did not succeed in an earlier run of the same file, \
            and every step after those; steps that succeeded are reused with their recorded \
            outputs. Bare --resume takes the latest run; --resume RUN-ID (or --resume=RUN-ID) a \
            run from .taskloop/runs, or the path of an events.jsonl. A resume is refused (exit 2) \
            when a step it would reuse has changed since, or a --param differs; with nothing to \
            redo it says so and exits 0.

            --dry-run prints each step in order with whether it would run and why not.

            Incremental runs: a step with `sources:` is skipped as up to date when nothing it \
            reads changed since its last successful run and its `generates:` files are as it \
            left them; when its outputs are missing or different but the local cache \
            (.taskloop/cache) holds them for the same inputs, they are restored without running \
            it. --no-cache neither restores from nor stores in the cache; --force runs every \
            step even when up to date, --force=STEP[,STEP] only those. `taskloop why` explains.

            --watch runs, then runs again whenever a file that a step's `sources:` match changes \
            (what the change affects reruns; the rest is up to date), until Ctrl-C; \
            --on-change restart cancels a run that a change overtakes instead of queueing.

            Examples:
              taskloop run pipelines/hello.yaml
              taskloop run pipelines/build.yaml --keep-going --param target=release
              taskloop run pipelines/build.yaml --output grouped --progress plain
              taskloop run pipelines/build.yaml --quiet
              taskloop run pipelines/hello.yaml --junit junit.xml --json run.json
              taskloop run pipelines/build.yaml unit-tests --skip lint
              taskloop run pipelines/build.yaml --resume
              taskloop run pipelines/build.yaml --resume --dry-run
              taskloop run pipelines/build.yaml --force=link --no-cache
            """
    )

    @Argument(help: "The pipeline file.")
    var file: String

    @Argument(help: ArgumentHelp("Run only these steps and what they need (default: every step).", valueName: "step"))
    var selectedSteps: [String] = []

    @Option(name: .customLong("skip"), help: ArgumentHelp("Do not run this step, nor the steps that need it (repeatable).", valueName: "step"))
    var skippedSteps: [String] = []

    @Option(help: ArgumentHelp(
        "Resume an earlier run of this file: rerun what did not succeed and what follows it. Without a value: the latest run.",
        valueName: "run-id|events.jsonl"))
    var resume: String?

    @Option(name: .customLong("param"), help: ArgumentHelp("Override a parameter declared under `params:`.", valueName: "key=value"))
    var parameters: [String] = []

    @Option(help: ArgumentHelp(
        "Run every shell step and the CPU workers on this executor of the pipeline's `executors:` (`local`: all on this machine).",
        valueName: "name"))
    var executor: String?

    @Flag(help: "After a failure, run every step that does not depend on it.")
    var keepGoing = false

    @Flag(help: "Print the steps in order, each with whether it would run and why, without running anything.")
    var dryRun = false

    @Option(help: ArgumentHelp("Write the event log here instead of .taskloop/runs/<run-id>/events.jsonl.", valueName: "path"))
    var events: String?

    @Option(help: ArgumentHelp("Write a Chrome/Perfetto trace of the run here (open it in ui.perfetto.dev).", valueName: "path"))
    var trace: String?

    @Option(help: ArgumentHelp("Write a self-contained HTML report (Gantt chart, figures, failures) here.", valueName: "path"))
    var report: String?

    @Option(help: ArgumentHelp("Write a JUnit XML report here: a test case per step (for CI test reporters).", valueName: "path"))
    var junit: String?

    @Option(help: ArgumentHelp("Write the run's result as JSON here: the run, its counts and every step.", valueName: "path"))
    var json: String?

    @Option(help: ArgumentHelp("Record a stall when code on the event loop holds it this long (default 100ms).", valueName: "duration"))
    var loopStallThreshold: String = "100ms"

    @Option(help: ArgumentHelp("Stop the whole run after this long (overrides the pipeline's `timeout:`).", valueName: "duration"))
    var timeout: String?

    @Option(help: ArgumentHelp("How long a cancelled step's processes get between SIGTERM and SIGKILL (default 10s).", valueName: "duration"))
    var grace: String = "10s"

    @Flag(help: "Neither restore outputs from the local cache nor store them there.")
    var noCache = false

    @Option(name: .customLong("force"), help: ArgumentHelp(
        "Run steps with `sources:` even when up to date: bare --force runs every step, --force=STEP[,STEP] those.",
        valueName: "steps"))
    var forcedSteps: [String] = []

    @Flag(help: "After the run, watch the folders of the steps' sources and run again on each change (what changed reruns; the rest is up to date).")
    var watch = false

    @Option(help: ArgumentHelp(
        "With --watch, a change during a run: `queue` runs again after it ends (default), `restart` cancels it and starts over.",
        valueName: "queue|restart"))
    var onChange: OnChange = .queue

    @OptionGroup(title: "Output")
    var console: ConsoleArguments

    func validate() throws {
        for (flag, value) in [("--loop-stall-threshold", loopStallThreshold), ("--grace", grace), ("--timeout", timeout ?? "1s")]
        where Duration(parsing: value) == nil {
            throw ValidationError("\(flag) expects a duration such as 100ms, 1.5s or 10m, got `\(value)`")
        }
        // A zero limit would end every run at once, a zero threshold report every tick.
        for (flag, value) in [("--loop-stall-threshold", loopStallThreshold), ("--timeout", timeout ?? "1s")]
        where Duration(parsing: value) == .zero {
            throw ValidationError("\(flag) must be longer than 0, got `\(value)`")
        }
        for parameter in parameters where !parameter.contains("=") || parameter.hasPrefix("=") {
            throw ValidationError("--param expects key=value, got `\(parameter)`")
        }
    }

    func run() async throws {
        PipelineRunner.startProcessGuardian()
        var pipeline = try loadPipeline(file)
        do {
            pipeline = try pipeline.overridingParameters(parsedParameters)
        } catch {
            FileHandleOutput.standardError("error: \(error.message)\n")
            throw ExitCode(ExitStatus.invalidInput)
        }
        if let executor {
            do {
                pipeline = try pipeline.overridingExecutor(executor)
            } catch {
                FileHandleOutput.standardError("error: \(error)\n")
                throw ExitCode(ExitStatus.invalidInput)
            }
        }
        let selection = try chooseSteps(of: pipeline)
        if let resumed = selection.resumedFrom, selection.runsNothing {
            FileHandleOutput.standardOutput("nothing to resume: every step of run \(resumed) that this run needs succeeded; run without --resume to run them again\n")
            return
        }
        if dryRun {
            FileHandleOutput.standardOutput(GraphRenderer(pipeline: pipeline).renderPlan(selection: selection))
            return
        }

        var options = RunOptions(
            policy: keepGoing ? .keepGoing : .failFast, eventLogPath: events,
            terminationGracePeriod: Duration(parsing: grace) ?? .seconds(10),
            loopStallThreshold: Duration(parsing: loopStallThreshold) ?? .milliseconds(100),
            timeout: timeout.flatMap(Duration.init(parsing:)))
        options.selection = selection
        options.incremental = IncrementalOptions(usesCache: !noCache, force: force)
        if watch {
            try await runWatching(pipeline, options: options)
        }
        let interrupter = RunInterrupter()
        let signals = SignalWatcher(interrupter: interrupter)
        let report: PipelineRunner.Report
        do {
            report = try await PipelineRunner(pipeline: pipeline, options: options).run(console: console.options(), interrupter: interrupter)
        } catch {
            FileHandleOutput.standardError("error: \(error)\n")
            throw ExitCode(ExitStatus.stepFailed)
        }
        signals.stop()
        let picturesWritten = await ReportOutput.writePictures(
            of: report.record, trace: trace, report: self.report, workers: pipeline.limits.workers,
            traceNote: " (open it in ui.perfetto.dev)")
        var exitCode = report.status != .interrupted ? report.exitCode : signals.interruptedExitStatus
        exitCode = ReportOutput.exitCode(exitCode, allWritten: picturesWritten)
        if let failure = report.eventLogFailure {
            // The record of the run is incomplete: never report it as a clean success.
            FileHandleOutput.standardError("error: \(failure)\n")
            if exitCode == ExitStatus.success { exitCode = ExitStatus.stepFailed }
        }
        exitCode = await CIReports(junit: junit, json: json).write(report, exitCode: exitCode)
        throw ExitCode(exitCode)
    }

    private var force: IncrementalOptions.Force {
        let names = forcedSteps.flatMap { $0.split(separator: ",").map(String.init) }
        if names.isEmpty { return .none }
        if names.contains(ForceArgument.everyStep) { return .all }
        return .steps(Set(names.map { StepID($0) }))
    }

    private var parsedParameters: [String: String] {
        var result: [String: String] = [:]
        for parameter in parameters {
            let parts = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            result[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return result
    }
}
