import ArgumentParser
import Foundation
import Taskloop

struct TimelineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timeline",
        abstract: "Re-render a recorded run from its event log.",
        discussion: """
            Prints the run's summary and a text Gantt chart, and with --trace or --report \
            writes the Chrome/Perfetto trace or the HTML report. Works on the log of a run \
            that was killed half-way: the log is read up to its last complete line.

            The run is named by its event log, its folder, or its id (as `run --resume` \
            takes it): a run id is looked up in .taskloop/runs in the current folder.

            Examples:
              taskloop timeline pipelines/.taskloop/runs/<run-id> --report run.html
              taskloop timeline pipelines/.taskloop/runs/<run-id>/events.jsonl
            """
    )

    @Argument(help: ArgumentHelp(
        "The run: its event log (events.jsonl, or the path given to --events), its folder, or its id in .taskloop/runs here.", valueName: "run"))
    var events: String

    @Option(help: ArgumentHelp("Write a Chrome/Perfetto trace here.", valueName: "path"))
    var trace: String?

    @Option(help: ArgumentHelp("Write the HTML report here.", valueName: "path"))
    var report: String?

    func run() async throws {
        let log: EventLog
        do {
            // Resolved as `run --resume` resolves its value.
            log = try EventLog.read(path: try RunHistory(pipelineDirectory: ".").eventLogPath(named: events))
        } catch {
            FileHandleOutput.standardError("error: \(error)\n")
            throw ExitCode(ExitStatus.invalidInput)
        }
        let record = RunRecord(events: log.events)
        let console = ConsoleOptions.detect(environment: ProcessEnvironment.atStart)
        var text = RunSummary(record: record).render() + "\n\n"
            + TextGantt(record: record, width: console.width, style: console.usesColor ? .color : .plain).render() + "\n"
        let failures = FailureSummary(record: record, usesColor: console.usesColor).render()
        if !failures.isEmpty { text += "\n" + failures + "\n" }
        if !log.isComplete {
            text += "note: this run did not finish (its log ends without run-finished): it was killed, or is still running\n"
        }
        for note in log.notes { text += note + "\n" }
        FileHandleOutput.standardOutput(text)
        if await !ReportOutput.writePictures(of: record, trace: trace, report: report) {
            throw ExitCode(ExitStatus.stepFailed)
        }
    }
}
