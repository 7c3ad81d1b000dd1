import Foundation
import Taskloop

/// The reports `taskloop run` writes for CI once a run has ended, all drawn
/// from the run's record: `--junit`, `--json`, and under GitHub Actions
/// (`GITHUB_ACTIONS=true`) annotations on stdout and the job summary
/// (appended to `$GITHUB_STEP_SUMMARY`). This is where the environment is
/// read; the rendering is the library's.
struct CIReports {
    var junit: String?
    var json: String?
    var environment: [String: String] = ProcessEnvironment.atStart
    var workingDirectory: String = FileManager.default.currentDirectoryPath

    var isGitHubActions: Bool { environment["GITHUB_ACTIONS"] == "true" }

    /// Writes every report asked for; a report that cannot be written is an
    /// error message on stderr, and the others are still written.
    func write(_ report: PipelineRunner.Report, exitCode: Int32) async {
        if let junit {
            let text = JUnitReport(record: report.record, outputs: report.outputs).render()
            await write(text, to: junit, what: "the JUnit report", announcing: "junit")
        }
        if let json {
            let text = JSONRunResult(
                record: report.record, outputs: report.outputs, eventLogPath: report.eventLogPath, exitCode: exitCode
            ).render()
            await write(text, to: json, what: "the JSON result", announcing: "json")
        }
        guard isGitHubActions else { return }
        FileHandleOutput.standardOutput(
            GitHubAnnotations(record: report.record, outputs: report.outputs, workingDirectory: workingDirectory).render())
        if let summary = environment["GITHUB_STEP_SUMMARY"], !summary.isEmpty {
            let text = GitHubStepSummary(record: report.record, outputs: report.outputs).render()
            do {
                try await ReportFile.append(text, to: summary, what: "the job summary (GITHUB_STEP_SUMMARY)")
            } catch {
                FileHandleOutput.standardError("error: \(error)\n")
            }
        }
    }

    private func write(_ text: String, to path: String, what: String, announcing label: String) async {
        do {
            try await ReportFile.write(text, to: path, what: what)
            FileHandleOutput.standardOutput("\(label): \(path)\n")
        } catch {
            FileHandleOutput.standardError("error: \(error)\n")
        }
    }
}
