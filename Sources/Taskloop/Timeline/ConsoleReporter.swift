import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Prints a run as it happens: each step's output lines prefixed with its id,
/// and a line when a step fails, is cancelled or skipped (and, when
/// `showsStepEnds`, when one succeeds). Writes go through a ``SerialWriter``,
/// so a slow terminal never blocks the event loop.
package final class ConsoleReporter: RunObserver {
    private let writer: SerialWriter<String>
    private let showsStepEnds: Bool
    /// Text of each step that has not ended in a newline yet (from plugin writes).
    private let partialLines = Mutex<[StepID: String]>([:])

    package init(descriptor: CInt = STDOUT_FILENO, showsStepEnds: Bool = true) {
        self.writer = SerialWriter(descriptor: descriptor, closesDescriptor: false) { lines in
            Array(lines.joined().utf8)
        }
        self.showsStepEnds = showsStepEnds
    }

    package func observe(_ event: TimelineEvent) {
        switch event.payload {
        case .stepFinished(let finished):
            flushPartialLine(of: finished.step)
            let time = Duration.microseconds(event.time).compactDescription
            switch finished.status {
            case .success where showsStepEnds:
                writer.write("[\(finished.step)] ok at +\(time)\n")
            case .failure:
                writer.write("[\(finished.step)] FAILED at +\(time): \(finished.error ?? "failed")\n")
            case .cancelled:
                writer.write("[\(finished.step)] cancelled at +\(time)\n")
            default:
                break
            }
        case .stepSkipped(let skipped):
            writer.write("[\(skipped.step)] skipped: \(skipped.reason)\n")
        case .stepReused(let reused):
            writer.write("[\(reused.step)] reused from run \(reused.fromRun)\n")
        default:
            break
        }
    }

    package func stepOutput(_ chunk: StepOutputChunk) {
        let complete = partialLines.withLock { partial -> [String] in
            var text = partial[chunk.step, default: ""] + chunk.text
            var lines: [String] = []
            while let newline = text.firstIndex(of: "\n") {
                lines.append(String(text[..<newline]))
                text = String(text[text.index(after: newline)...])
            }
            partial[chunk.step] = text.isEmpty ? nil : text
            return lines
        }
        for line in complete { writer.write("[\(chunk.step)] \(line)\n") }
    }

    private func flushPartialLine(of step: StepID) {
        if let rest = partialLines.withLock({ $0.removeValue(forKey: step) }) {
            writer.write("[\(step)] \(rest)\n")
        }
    }

    /// Prints a block of text (the summary) after the streamed output.
    package func print(_ text: String) {
        writer.write(text.hasSuffix("\n") ? text : text + "\n")
    }

    package func run() async { await writer.run() }
    package func finish() { writer.finish() }
}
