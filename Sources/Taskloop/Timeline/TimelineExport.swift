/// Writes the pictures of a run: the Chrome trace and the HTML report. Each is
/// written to a temporary file beside its target and renamed into place (the
/// target's folders are made first), so a reader never sees half a file.
public enum TimelineExport {
    /// The Chrome/Perfetto trace of `record`, at `path`.
    public static func writeTrace(_ record: RunRecord, to path: String) async throws(ReportFileError) {
        try await ReportFile.write(Array(ChromeTrace(record: record).render()), to: path, what: "the trace")
    }

    /// The HTML report of `record`, at `path`; `workers` is the run's limit.
    public static func writeReport(_ record: RunRecord, to path: String, workers: Int? = nil) async throws(ReportFileError) {
        try await ReportFile.write(HTMLReport(record: record, workers: workers).render(), to: path, what: "the HTML report")
    }
}
