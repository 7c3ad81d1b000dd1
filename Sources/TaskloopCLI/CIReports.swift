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

    /// Writes every report asked for and returns the run's exit status: a
    /// report that cannot be written is an error message on stderr, the
    /// others are still written, and a successful run's status becomes 1
    /// (``ReportOutput``). The JSON result, written last, records that status.
    func write(_ report: PipelineRunner.Report, exitCode: Int32) async -> Int32 {
        var exitCode = exitCode
        if let junit {
            let text = JUnitReport(record: report.record, outputs: report.outputs).render()
            let written = await ReportOutput.write("junit", to: junit) { () throws(ReportFileError) in
                try await ReportFile.write(text, to: junit, what: "the JUnit report")
            }
            exitCode = ReportOutput.exitCode(exitCode, allWritten: written)
        }
        if let json {
            let text = JSONRunResult(
                record: report.record, outputs: report.outputs, eventLogPath: report.eventLogPath, exitCode: exitCode
            ).render()
            let written = await ReportOutput.write("json", to: json) { () throws(ReportFileError) in
                try await ReportFile.write(text, to: json, what: "the JSON result")
            }
            exitCode = ReportOutput.exitCode(exitCode, allWritten: written)
        }
        await writeForGitHubActions(report)
        return exitCode
    }

    /// Annotations on stdout and the job summary, under GitHub Actions.
    private func writeForGitHubActions(_ report: PipelineRunner.Report) async {
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

}
