import Foundation

/// The event log's file format: JSON Lines, whose first line names the format
/// and its version (`{"format":"taskloop-events","version":1}`), then one
/// ``TimelineEvent`` a line, in the order they happened.
///
/// Versions: 1, the first; 2 adds `step-checked` events and the `up_to_date`
/// and `restored` counts of `run-finished`. Version 2 only adds, so readers
/// read both (a version-1 log simply has none of these).
public enum EventLogFormat {
    public static let name = "taskloop-events"
    public static let version = 2
    /// The versions this build reads.
    public static let readableVersions = 1...2

    struct Header: Codable, Hashable {
        var format: String
        var version: Int
    }

    static var headerLine: [UInt8] {
        Array(#"{"format":"\#(name)","version":\#(version)}"#.utf8) + [UInt8(ascii: "\n")]
    }

    /// Encodes events as lines; keys in a fixed order so logs diff well.
    static func encode(_ events: [TimelineEvent]) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var bytes: [UInt8] = []
        for event in events {
            // Encoding these plain values cannot fail; a failure would be a bug
            // in the event types, so it is written as a visible marker line.
            let line = (try? encoder.encode(event)) ?? Data(#"{"event":"unencodable"}"#.utf8)
            bytes.append(contentsOf: line)
            bytes.append(UInt8(ascii: "\n"))
        }
        return bytes
    }
}
