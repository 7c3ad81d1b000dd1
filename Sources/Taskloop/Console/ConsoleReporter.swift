package import NIOCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Prints a run as it happens, as ``ConsoleOptions`` say: step output
/// (prefixed live, or grouped per step), a line when a step starts or ends,
/// and, with live progress, a status area below it all that is redrawn in
/// place.
///
/// Everything goes through one ``SerialWriter``, so a slow terminal never
/// blocks the event loop and nothing interleaves: each batch the writer
/// takes erases the status area, writes its lines, and draws the area again.
package final class ConsoleReporter: RunObserver {
    private enum Write: Sendable {
        case text(String)
        /// A line about a step: `[step] text`, after a local `HH:MM:SS.mmm`
        /// when `localTime` is set. Spelled on the writer's thread (see
        /// ``stepLine(_:_:localTime:color:)``), not the event loop's.
        case stepLine(StepID, String, localTime: Int64?)
        /// Redraw the status area (its clocks moved).
        case redraw
        /// Erase the status area for good: the summary follows.
        case closeStatus
    }

    private struct State {
        /// Text of each step that has not ended in a newline yet (plugin writes).
        var partialLines: [StepID: String] = [:]
        /// Output held back until its step ends (grouped output, quiet mode).
        var heldOutput: [StepID: CapturedOutput] = [:]
        /// When the current attempt of each running step started (run time, µs).
        var startTimes: [StepID: Int64] = [:]
        /// The run's wall-clock start, in local time, µs since 1970 (for plain timestamps).
        var localStart: Int64 = 0
        /// What each step does (its command, path or duration), for verbose start lines.
        var details: [StepID: String] = [:]
    }

    /// Held-back output of one step beyond this is cut to its end, with a note.
    static let heldOutputLimit = 1024 * 1024
    /// An unfinished line longer than this is printed as it is.
    static let partialLineLimit = 64 * 1024
    /// Streamed output waiting for a slow terminal beyond this is dropped
    /// (with a notice), so memory stays bounded and no step waits for the console.
    static let pendingOutputLimit = 8 * 1024 * 1024

    /// `12.3 MiB`, `512 KiB`, `100 bytes`.
    static func describe(bytes: Int) -> String {
        if bytes >= 1024 * 1024 { return String(format2: Double(bytes) / 1_048_576).replacingOccurrences(".00", with: "") + " MiB" }
        if bytes >= 1024 { return "\(bytes / 1024) KiB" }
        return "\(bytes) bytes"
    }

    private let options: ConsoleOptions
    private let writer: SerialWriter<Write>
    private let state = Mutex(State())
    private let liveStatus: LiveStatusArea?
    private let localTimeOffset: Int64

    /// `eventLoop`: the run's loop, where most of what is printed comes from.
    package init(options: ConsoleOptions, eventLoop: (any EventLoop)? = nil) {
        self.options = options
        let area = options.progress == .live ? LiveStatusArea(options: options) : nil
        self.liveStatus = area
        let shedding = SerialWriter<Write>.Shedding(
            limit: Self.pendingOutputLimit,
            weight: { write in if case .text(let text) = write { text.utf8.count } else { 0 } },
            notice: { dropped in
                .text("… \(Self.describe(bytes: dropped)) of step output not shown: the terminal did not keep up "
                    + "(the failure summary, --junit and --json keep each step's last lines)\n")
            })
        let color = options.usesColor
        self.writer = SerialWriter(descriptor: options.descriptor, closesDescriptor: false, shedding: shedding, eventLoop: eventLoop) { batch in
            var text = ""
            var closes = false
            for write in batch {
                switch write {
                case .text(let part): text += part
                case .stepLine(let step, let line, let localTime): text += Self.stepLine(step, line, localTime: localTime, color: color)
                case .redraw: break
                case .closeStatus: closes = true
                }
            }
            return Array((area?.redraw(around: text, closing: closes) ?? text).utf8)
        }
        var now = time_t()
        time(&now)
        var local = tm()
        localtime_r(&now, &local)
        self.localTimeOffset = Int64(local.tm_gmtoff) * 1_000_000
    }

    private var color: Bool { options.usesColor }
    private var holdsOutput: Bool { options.output == .grouped || options.verbosity == .quiet }

    package func observe(_ event: TimelineEvent) {
        liveStatus?.apply(event)
        switch event.payload {
        case .runStarted(let started):
            state.withLock { state in
                state.localStart = started.startedAtUnixMicroseconds + localTimeOffset
                if options.verbosity == .verbose {
                    state.details = Dictionary(started.steps.map { ($0.id, $0.detail) }, uniquingKeysWith: { first, _ in first })
                }
            }
        case .stepStarted(let started):
            state.withLock { $0.startTimes[started.step] = event.time }
            if options.verbosity == .verbose || (options.progress == .plain && options.verbosity == .normal) {
                var line = "started"
                if started.attempt > 1 { line += " (attempt \(started.attempt))" }
                if started.lane == "slurm" {
                    line += " (queued in Slurm)"
                } else if started.lane != "loop" {
                    line += " in a \(started.lane)"
                }
                if options.verbosity == .verbose, let detail = state.withLock({ $0.details[started.step] }), !detail.isEmpty {
                    line += ": " + (detail.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? "")
                }
                writeEventLine(started.step, line, at: event.time)
            }
        case .stepRunning(let running):
            if options.verbosity == .verbose || (options.progress == .plain && options.verbosity == .normal) {
                let waited = state.withLock { $0.startTimes[running.step] }.map { event.time - $0 } ?? 0
                writeEventLine(running.step, "running on \(running.lane) after \(Duration.microseconds(waited).compactDescription) queued in \(running.queueName)", at: event.time)
            }
        case .stepFinished(let finished):
            finish(finished, at: event.time)
        case .stepSkipped(let skipped):
            if options.verbosity != .quiet {
                writeEventLine(skipped.step, ANSI.paint("skipped", ANSI.yellow, if: color) + ": \(skipped.reason)", at: event.time)
            }
        case .stepReused(let reused):
            if options.verbosity != .quiet {
                writeEventLine(reused.step, ANSI.paint("reused", ANSI.dim, if: color) + " from run \(reused.fromRun)", at: event.time)
            }
        case .stepChecked(let checked):
            if options.verbosity != .quiet {
                writeEventLine(checked.step, Self.describe(checked, color: color), at: event.time)
            }
        case .loopStall(let stall) where options.verbosity == .verbose:
            let steps = stall.steps.map { "`\($0)`" }.joined(separator: ", ")
            writer.write(.text("warning: the event loop was blocked for \(Duration.microseconds(stall.duration).compactDescription)"
                + (steps.isEmpty ? "" : " by \(steps)") + "\n"))
        default:
            break
        }
    }

    private func finish(_ finished: StepFinished, at time: Int64) {
        let (rest, held, started) = state.withLock { state in
            // A step's last attempt takes its entries with it: the tables
            // hold the running steps only. Most steps print nothing, and
            // an empty table is not searched.
            let isLast = finished.retryDelay == nil
            return (
                state.partialLines.isEmpty ? nil : state.partialLines.removeValue(forKey: finished.step),
                isLast && !state.heldOutput.isEmpty ? state.heldOutput.removeValue(forKey: finished.step) : nil,
                isLast ? state.startTimes.removeValue(forKey: finished.step) : state.startTimes[finished.step])
        }
        if let rest { stepOutputLines(finished.step, [rest]) }
        let took = Duration.microseconds(time - (started ?? time)).compactDescription
        if let delay = finished.retryDelay {
            if options.verbosity != .quiet {
                let retry = "attempt \(finished.attempt) failed: \(finished.error ?? "failed"); retrying in \(Duration.microseconds(delay).compactDescription)"
                writeEventLine(finished.step, ANSI.paint(retry, ANSI.yellow, if: color), at: time)
            }
            return
        }
        // One description of the ending, for both the group's title and the end line.
        let (word, style, preposition, reason): (String, String, String, String)
        switch finished.status {
        case .success:
            guard options.verbosity != .quiet else { return }
            (word, style, preposition, reason) = ("ok", ANSI.green, "in", "")
        case .failure:
            (word, style, preposition, reason) = ("FAILED", ANSI.bold + ANSI.red, "in", ": " + (finished.error ?? "failed"))
        case .cancelled:
            guard options.verbosity != .quiet else { return }
            let why = finished.error.flatMap { $0 == "cancelled" ? nil : ": " + $0 } ?? ""
            (word, style, preposition, reason) = ("cancelled", ANSI.yellow, "after", why)
        case .skipped:
            return
        }
        if let held, !held.text.isEmpty, options.verbosity != .quiet || finished.status == .failure {
            writer.write(.text(groupedBlock(finished.step, held, title: "\(word) \(preposition) \(took)")))
        }
        writeEventLine(finished.step, ANSI.paint(word, style, if: color) + " \(preposition) \(took)" + reason, at: time)
    }

    /// A finished step's held-back output, whole: inside `::group::` lines on
    /// GitHub Actions, under a header line elsewhere.
    private func groupedBlock(_ step: StepID, _ output: CapturedOutput, title: String) -> String {
        var text = output.text.hasSuffix("\n") ? output.text : output.text + "\n"
        if output.droppedBytes > 0 {
            text = "… (\(output.droppedBytes) earlier bytes of output not shown)\n" + text
        }
        if options.usesGitHubGroups {
            return "::group::\(step) (\(title))\n" + text + "::endgroup::\n"
        }
        return ANSI.paint("── \(step) ──", ANSI.color(for: step), if: color) + "\n" + text
    }

    package func stepOutput(_ chunk: StepOutputChunk) {
        let complete = state.withLock { state -> [String] in
            var text = state.partialLines[chunk.step, default: ""] + chunk.text
            var lines: [String] = []
            while let newline = text.firstIndex(of: "\n") {
                lines.append(String(text[..<newline]))
                text = String(text[text.index(after: newline)...])
            }
            // An endless line is shown in pieces, so memory stays bounded.
            if text.utf8.count > Self.partialLineLimit {
                lines.append(text)
                text = ""
            }
            state.partialLines[chunk.step] = text.isEmpty ? nil : text
            return lines
        }
        if !complete.isEmpty { stepOutputLines(chunk.step, complete) }
    }

    private func stepOutputLines(_ step: StepID, _ lines: [String]) {
        if holdsOutput {
            state.withLock { state in
                for line in lines {
                    state.heldOutput[step, default: CapturedOutput()].append(line + "\n", keepingAbout: Self.heldOutputLimit)
                }
            }
        } else {
            let prefix = ANSI.paint("[\(step)]", ANSI.color(for: step), if: color) + " "
            writer.write(.text(lines.map { prefix + $0 + "\n" }.joined()), droppable: true)
        }
    }

    /// Queues `[build] ok in 1.2s`, after a local `HH:MM:SS.mmm` timestamp
    /// in plain progress.
    private func writeEventLine(_ step: StepID, _ text: String, at time: Int64) {
        let localTime = options.progress == .plain ? state.withLock { $0.localStart } + time : nil
        writer.write(.stepLine(step, text, localTime: localTime))
    }

    /// The text of a ``Write/stepLine(_:_:localTime:)``.
    private static func stepLine(_ step: StepID, _ text: String, localTime: Int64?, color: Bool) -> String {
        let line = ANSI.paint("[\(step)]", ANSI.color(for: step), if: color) + " " + text + "\n"
        guard let localTime else { return line }
        return ANSI.paint(timestamp(localTime), ANSI.dim, if: color) + " " + line
    }

    /// `14:05:09.123` for microseconds since 1970, already shifted to local time.
    static func timestamp(_ microseconds: Int64) -> String {
        let milliseconds = microseconds / 1000 % 1000
        let seconds = microseconds / 1_000_000
        let (hours, minutes, rest) = (seconds / 3600 % 24, seconds / 60 % 60, seconds % 60)
        return String(zeroPadded: hours, digits: 2) + ":" + String(zeroPadded: minutes, digits: 2) + ":"
            + String(zeroPadded: rest, digits: 2) + "." + String(zeroPadded: milliseconds, digits: 3)
    }

    /// Erases the status area for good; what is printed next stays below the output.
    package func closeStatus() {
        writer.write(.closeStatus)
    }

    /// Prints a block of text (the summary) after the streamed output.
    package func print(_ text: String) {
        writer.write(.text(text.hasSuffix("\n") ? text : text + "\n"))
    }

    /// Returns once ``finish()`` has been called and everything is written;
    /// with live progress, redraws the status area ten times a second
    /// meanwhile, so its clocks move.
    package func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.writer.run() }
            if liveStatus != nil {
                group.addTask {
                    while (try? await Task.sleep(for: .milliseconds(100))) != nil {
                        self.writer.write(.redraw)
                    }
                }
            }
            await group.next()
            group.cancelAll()
        }
    }

    package func finish() { writer.finish() }
}
