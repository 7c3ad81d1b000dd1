/// The status area of live progress: the running steps with their elapsed
/// time, the counts, and an overall bar. A value updated from events and
/// rendered to lines that each fit the terminal width, so the area can be
/// erased and redrawn in place.
struct LiveStatus: Sendable {
    struct RunningStep: Sendable {
        var id: StepID
        var started: ContinuousClock.Instant
        var lane: String
        var attempt: Int
    }

    /// At most this many running steps are listed; the rest are counted.
    static let listedStepLimit = 8

    var total = 0
    var running: [RunningStep] = []
    var succeeded = 0
    var failed = 0
    var cancelled = 0
    var skipped = 0
    var reused = 0
    var upToDate = 0
    /// Steps found up to date after they started (an http step's 304),
    /// whose `step-finished` only ends their span: counted once.
    var checkedWhileRunning: Set<StepID> = []
    var runStarted: ContinuousClock.Instant?

    mutating func apply(_ event: TimelineEvent, at now: ContinuousClock.Instant) {
        switch event.payload {
        case .runStarted(let started):
            total = started.steps.count
            runStarted = now
        case .stepStarted(let started):
            running.removeAll { $0.id == started.step }
            running.append(RunningStep(id: started.step, started: now, lane: started.lane, attempt: started.attempt))
        case .stepRunning(let started):
            // Its job left Slurm's queue: show where it runs now.
            if let index = running.firstIndex(where: { $0.id == started.step }) { running[index].lane = started.lane }
        case .stepFinished(let finished) where finished.retryDelay == nil:
            running.removeAll { $0.id == finished.step }
            if checkedWhileRunning.remove(finished.step) != nil { break }
            switch finished.status {
            case .success: succeeded += 1
            case .failure: failed += 1
            case .cancelled: cancelled += 1
            case .skipped: skipped += 1
            }
        case .stepSkipped:
            skipped += 1
        case .stepReused:
            reused += 1
        case .stepChecked(let checked) where checked.outcome != .run:
            upToDate += 1
            if running.contains(where: { $0.id == checked.step }) {
                running.removeAll { $0.id == checked.step }
                checkedWhileRunning.insert(checked.step)
            }
        default:
            break
        }
    }

    var done: Int { succeeded + failed + cancelled + skipped + reused + upToDate }

    /// The area's lines, each at most `width - 1` columns (a line as wide as
    /// the terminal would wrap on some terminals and break the redraw).
    func render(width: Int, now: ContinuousClock.Instant, color: Bool) -> [String] {
        let columns = max(2, width - 1)
        var lines: [String] = []
        let idWidth = min(32, running.prefix(Self.listedStepLimit).map(\.id.rawValue.count).max() ?? 0)
        for step in running.prefix(Self.listedStepLimit) {
            let elapsed = Self.clockText(now - step.started)
            var line = "  " + Self.fit(step.id.rawValue, idWidth) + "  " + Self.leftPad(elapsed, 7) + "  " + (step.lane == "slurm" ? "queued in Slurm" : step.lane)
            if step.attempt > 1 { line += " (attempt \(step.attempt))" }
            lines.append(Self.cut(line, columns))
        }
        if running.count > Self.listedStepLimit {
            lines.append(Self.cut("  … and \(running.count - Self.listedStepLimit) more running", columns))
        }
        lines.append(summaryLine(columns: columns, now: now, color: color))
        return lines
    }

    /// `[████████░░░░░░░░] 12/40 · 1 failed · 2 skipped · 3 running · 0:14`
    private func summaryLine(columns: Int, now: ContinuousClock.Instant, color: Bool) -> String {
        var parts = ["\(done)/\(total)"]
        if failed > 0 { parts.append(ANSI.paint("\(failed) failed", ANSI.red, if: color)) }
        if cancelled > 0 { parts.append("\(cancelled) cancelled") }
        if skipped > 0 { parts.append("\(skipped) skipped") }
        if reused > 0 { parts.append("\(reused) reused") }
        if upToDate > 0 { parts.append("\(upToDate) up to date") }
        parts.append("\(running.count) running")
        if let runStarted { parts.append(Self.clockText(now - runStarted)) }
        let figures = parts.joined(separator: " · ")
        let visibleFigures = figures.count - (color && failed > 0 ? ANSI.red.count + ANSI.reset.count : 0)
        let barWidth = max(10, min(30, columns - visibleFigures - 3))
        let filled = total == 0 ? barWidth : barWidth * done / total
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: barWidth - filled)
        let line = "[" + ANSI.paint(bar, failed > 0 ? ANSI.red : ANSI.green, if: color) + "] " + figures
        return visibleFigures + barWidth + 3 <= columns ? line : Self.cut("\(done)/\(total) · \(running.count) running", columns)
    }

    /// `0:07`, `12:45`, `1:02:03`.
    static func clockText(_ duration: Duration) -> String {
        let seconds = Int(duration.components.seconds)
        let (hours, minutes, rest) = (seconds / 3600, seconds / 60 % 60, seconds % 60)
        let twoDigits = { (value: Int) in String(zeroPadded: value, digits: 2) }
        return hours > 0 ? "\(hours):\(twoDigits(minutes)):\(twoDigits(rest))" : "\(minutes):\(twoDigits(rest))"
    }

    private static func fit(_ text: String, _ width: Int) -> String {
        text.count > width ? String(text.prefix(max(1, width - 1))) + "…" : text + String(repeating: " ", count: width - text.count)
    }

    private static func leftPad(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }

    private static func cut(_ text: String, _ columns: Int) -> String {
        text.count > columns ? String(text.prefix(columns - 1)) + "…" : text
    }
}
