import Foundation

/// The event log's file format: JSON Lines, whose first line names the format
/// and its version (`{"format":"taskloop-events","version":1}`), then one
/// ``TimelineEvent`` a line, in the order they happened.
///
/// Versions: 1, the first; 2 adds `step-checked` events and the `up_to_date`
/// and `restored` counts of `run-finished`; 3 adds `step-running` events (a
/// step on Slurm leaving Slurm's queue). Each version only adds, so readers
/// read them all (an older log simply has none of these).
public enum EventLogFormat {
    public static let name = "taskloop-events"
    public static let version = 3
    /// The versions this build reads.
    public static let readableVersions = 1...3

    struct Header: Codable, Hashable {
        var format: String
        var version: Int
    }

    static var headerLine: [UInt8] {
        Array(#"{"format":"\#(name)","version":\#(version)}"#.utf8) + [UInt8(ascii: "\n")]
    }

    /// Encodes events as lines; keys in a fixed (sorted) order so logs diff
    /// well. Written field by field (``TimelineEvent/write(to:)``); an event
    /// that cannot be spelled in JSON (a NaN among its outputs) goes through
    /// `JSONEncoder`, which writes the visible marker line it always did.
    static func encode(_ events: [TimelineEvent]) -> [UInt8] {
        var json = JSONLineWriter(reservingCapacity: events.count * 96)
        for event in events {
            if event.isPlainlyWritable {
                event.write(to: &json)
                json.newline()
            } else {
                json.append(raw: encodeWithFoundation(event))
            }
        }
        return json.bytes
    }

    /// One event through `JSONEncoder`: the reference spelling of the format.
    static func encodeWithFoundation(_ event: TimelineEvent) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding these plain values fails only for numbers JSON cannot
        // spell; the line is then a visible marker.
        let line = (try? encoder.encode(event)) ?? Data(#"{"event":"unencodable"}"#.utf8)
        return Array(line) + [UInt8(ascii: "\n")]
    }
}
