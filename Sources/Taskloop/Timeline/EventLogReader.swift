public import Foundation

/// Reads an event log back: all complete lines, even of a run that was killed.
public struct EventLog: Sendable {
    public var events: [TimelineEvent]
    /// True when the log ends without `run-finished`: the run was killed or
    /// is still going.
    public var isComplete: Bool {
        if case .runFinished = events.last?.payload { return true }
        return false
    }

    public init(events: [TimelineEvent]) {
        self.events = events
    }

    /// Parses a log's bytes. A final line without its newline (cut off by a
    /// kill mid-write) is ignored; any other bad line is an error.
    public static func parse(_ data: Data, path: String) throws(EventLogError) -> EventLog {
        var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true || data.last != UInt8(ascii: "\n") {
            lines.removeLast()  // an empty tail, or a partial last line
        }
        guard let first = lines.first,
            let header = try? JSONDecoder().decode(EventLogFormat.Header.self, from: Data(first)),
            header.format == EventLogFormat.name
        else {
            throw .notAnEventLog(path: path)
        }
        guard EventLogFormat.readableVersions.contains(header.version) else {
            throw .unsupportedVersion(path: path, version: header.version)
        }
        let decoder = JSONDecoder()
        var events: [TimelineEvent] = []
        for (offset, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            do {
                events.append(try decoder.decode(TimelineEvent.self, from: Data(line)))
            } catch {
                throw .malformedLine(path: path, line: offset + 1, reason: "\(error)")
            }
        }
        return EventLog(events: events)
    }

    /// Reads and parses the log at `path` (blocking: call it off the event loop).
    public static func read(path: String) throws(EventLogError) -> EventLog {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .cannotRead(path: path, reason: (error as NSError).localizedDescription)
        }
        return try parse(data, path: path)
    }
}
