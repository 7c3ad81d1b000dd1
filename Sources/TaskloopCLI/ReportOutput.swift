import Taskloop

/// Writes one file a command was asked for (`--trace`, `--report`,
/// `--junit`, `--json`) and says so: `label: path` on stdout once it is
/// written, the error on stderr when it could not be. A file asked for and
/// not written makes a successful run's exit status 1: a CI job that reads
/// it must not see success without it.
enum ReportOutput {
    /// Whether the file was written.
    static func write(
        _ label: String, to path: String, note: String = "", _ body: () async throws(ReportFileError) -> Void
    ) async -> Bool {
        do {
            try await body()
            FileHandleOutput.standardOutput("\(label): \(path)\(note)\n")
            return true
        } catch {
            FileHandleOutput.standardError("error: \(error)\n")
            return false
        }
    }

    /// The run's pictures asked for, `--trace` and `--report`, each written
    /// and announced as ``write(_:to:note:_:)`` does (the trace's line
    /// followed by `traceNote`). Whether every one asked for was written.
    static func writePictures(
        of record: RunRecord, trace: String?, report: String?, workers: Int? = nil, traceNote: String = ""
    ) async -> Bool {
        var allWritten = true
        if let trace {
            allWritten = await write("trace", to: trace, note: traceNote) { () throws(ReportFileError) in
                try await TimelineExport.writeTrace(record, to: trace)
            }
        }
        if let report {
            let written = await write("report", to: report) { () throws(ReportFileError) in
                try await TimelineExport.writeReport(record, to: report, workers: workers)
            }
            allWritten = allWritten && written
        }
        return allWritten
    }

    /// `exitCode`, or 1 when it says success but a file asked for was not written.
    static func exitCode(_ exitCode: Int32, allWritten: Bool) -> Int32 {
        allWritten || exitCode != ExitStatus.success ? exitCode : ExitStatus.stepFailed
    }
}
