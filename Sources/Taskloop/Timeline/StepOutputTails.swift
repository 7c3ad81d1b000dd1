import Synchronization

/// The end of one step's output (stdout and stderr, interleaved as they
/// arrived), kept for reports written after the run: the first-failure
/// summary, JUnit's `system-out`, the JSON result.
public struct CapturedOutput: Sendable, Hashable {
    /// The last bytes of the output, starting at a line boundary when one is near.
    public var text: String
    /// How many bytes came before `text` and were dropped.
    public var droppedBytes: Int

    public init(text: String = "", droppedBytes: Int = 0) {
        self.text = text
        self.droppedBytes = droppedBytes
    }

    /// Appends `more`, then, once the text is over twice `limit` bytes,
    /// drops all but about its last `limit` bytes (from a line start when one
    /// is near), so appends stay amortized O(1) and memory stays bounded.
    public mutating func append(_ more: String, keepingAbout limit: Int) {
        text += more
        guard text.utf8.count > 2 * limit else { return }
        var start = text.utf8.index(text.utf8.endIndex, offsetBy: -limit)
        // Step to the next whole character (a constant-time check: scanning
        // the indices made each trim linear in the text, so output of one
        // long line took quadratic time).
        while start < text.endIndex, start.samePosition(in: text.unicodeScalars) == nil {
            start = text.utf8.index(after: start)
        }
        if let newline = text[start...].firstIndex(of: "\n"), text.utf8.distance(from: start, to: newline) < 1024 {
            start = text.index(after: newline)
        }
        droppedBytes += text.utf8.distance(from: text.startIndex, to: start)
        text = String(text[start...])
    }

    /// The last `count` lines, without their line ends.
    public func lastLines(_ count: Int) -> [String] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return Array(lines.suffix(count))
    }
}

/// Keeps the last ``limit`` bytes of each step's output, so memory stays
/// bounded however much a step prints.
package final class StepOutputTails: RunObserver {
    package let limit: Int
    private let tails = Mutex<[StepID: CapturedOutput]>([:])

    package init(limit: Int = 64 * 1024) {
        self.limit = limit
    }

    package func observe(_ event: TimelineEvent) {}

    package func stepOutput(_ chunk: StepOutputChunk) {
        let limit = limit
        tails.withLock { tails in
            tails[chunk.step, default: CapturedOutput()].append(chunk.text, keepingAbout: limit)
        }
    }

    /// What each step printed, as far as it is kept.
    package var captured: [StepID: CapturedOutput] { tails.withLock { $0 } }
}
