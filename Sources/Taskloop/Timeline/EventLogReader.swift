public import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Reads an event log back: all complete lines, even of a run that was killed.
///
/// A log written with `--events` to a file that already held one holds several
/// runs, each starting with its own header line; the reader returns the last
/// run and says how many came before it.
public struct EventLog: Sendable {
    public var events: [TimelineEvent]
    /// True when the log ends without `run-finished`: the run was killed or
    /// is still going.
    public var isComplete: Bool {
        if case .runFinished = events.last?.payload { return true }
        return false
    }
    /// True when the file ended in the middle of a line (a run killed while
    /// writing it, or a full disk): that line was left out.
    public var cutLastLine = false
    /// How many runs the file holds before the one read (see `--events`).
    public var earlierRuns = 0

    public init(events: [TimelineEvent]) {
        self.events = events
    }

    /// Parses a log's bytes. A final line without its newline (cut off by a
    /// kill mid-write) is left out, and noted; any other bad line is an error.
    public static func parse(_ data: Data, path: String) throws(EventLogError) -> EventLog {
        var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        let cut = !data.isEmpty && data.last != UInt8(ascii: "\n")
        lines.removeLast()  // an empty tail, or a partial last line
        guard let first = lines.first, header(in: first) != nil else {
            throw .notAnEventLog(path: path)
        }
        // Each run starts with a header line: read the last run in the file.
        let headerIndices = lines.indices.filter { lines[$0].first == UInt8(ascii: "{") && header(in: lines[$0]) != nil }
        let start = headerIndices.last ?? 0
        let version = header(in: lines[start])?.version ?? EventLogFormat.version
        guard EventLogFormat.readableVersions.contains(version) else {
            throw .unsupportedVersion(path: path, version: version)
        }
        let decoder = JSONDecoder()
        var events: [TimelineEvent] = []
        for offset in lines.indices.dropFirst(start + 1) where !lines[offset].isEmpty {
            do {
                events.append(try decoder.decode(TimelineEvent.self, from: Data(lines[offset])))
            } catch {
                throw .malformedLine(path: path, line: offset + 1, reason: "\(error)")
            }
        }
        var log = EventLog(events: events)
        log.cutLastLine = cut
        log.earlierRuns = headerIndices.count - 1
        return log
    }

    /// The format header a line holds, if it is one.
    private static func header(in line: Data.SubSequence) -> EventLogFormat.Header? {
        guard line.starts(with: Array(#"{"format""#.utf8)),
            let header = try? JSONDecoder().decode(EventLogFormat.Header.self, from: Data(line)),
            header.format == EventLogFormat.name
        else { return nil }
        return header
    }

    /// Reads and parses the log at `path` (blocking: call it off the event
    /// loop). A named pipe or a device is refused as it is opened, never
    /// waited on.
    public static func read(path: String) throws(EventLogError) -> EventLog {
        let what = "name a run's folder, its events.jsonl, or a run id"
        switch WholeFile.read(path) {
        case .success(let bytes):
            return try parse(Data(bytes), path: path)
        case .failure(.folder):
            throw .cannotRead(path: path, reason: "it is a folder without an events.jsonl; \(what)")
        case .failure(.special(let kind)):
            throw .cannotRead(path: path, reason: "it is \(kind), not a file; \(what)")
        case .failure(let failure):
            throw .cannotRead(path: path, reason: SystemErrorText.describe(failure.code))
        }
    }

    /// Notes for a reader of the log: a cut last line, earlier runs in the file.
    public var notes: [String] {
        var notes: [String] = []
        if cutLastLine {
            notes.append("note: the log's last line was cut off (the run was killed while writing it, or the disk was full); it was left out")
        }
        if earlierRuns > 0 {
            notes.append("note: the file holds \(earlierRuns + 1) runs (--events appends); this is the last")
        }
        return notes
    }
}
