import Foundation

/// Writes the pictures of a run: the Chrome trace and the HTML report. Each is
/// written to a temporary file beside its target and renamed into place, so a
/// reader never sees half a file. Call it off the event loop (it blocks).
public enum TimelineExport {
    public static func write(_ record: RunRecord, trace: String?, report: String?, workers: Int? = nil) throws {
        if let trace {
            try ChromeTrace(record: record).render().write(to: URL(fileURLWithPath: trace), options: .atomic)
        }
        if let report {
            try Data(HTMLReport(record: record, workers: workers).render().utf8).write(to: URL(fileURLWithPath: report), options: .atomic)
        }
    }
}
