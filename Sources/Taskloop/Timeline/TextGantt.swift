/// A run drawn in the terminal: one row per step, its queue wait and run as a
/// bar scaled to the width (at most 40 steps); for larger runs, the critical
/// path instead.
public struct TextGantt: Sendable {
    public enum Style: Sendable {
        /// Plain ASCII: `.` for waiting, `#` for running, `x` for a failed attempt that was
        /// retried, `~` for a step's job queued in Slurm (in both styles).
        case plain
        /// Block characters and ANSI colours (a terminal, without NO_COLOR).
        case color
    }

    public static let rowLimit = 40

    public let record: RunRecord
    public let width: Int
    public let style: Style

    public init(record: RunRecord, width: Int = 80, style: Style = .plain) {
        self.record = record
        self.width = max(40, width)
        self.style = style
    }

    public func render() -> String {
        let critical = CriticalPath(record: record)
        if record.steps.count > Self.rowLimit { return summary(critical) }
        let ran = record.steps.compactMap(\.startedAt)
        guard let origin = record.steps.compactMap({ $0.queuedAt ?? $0.startedAt }).min() ?? ran.min(),
            let end = record.steps.compactMap(record.end(of:)).max()
        else { return "" }
        let span = max(1, end - origin)
        let nameWidth = min(24, record.steps.map(\.id.rawValue.count).max() ?? 4)
        let barWidth = width - nameWidth - 16
        var lines = ["\(pad("", nameWidth)) 0\(String(repeating: " ", count: max(0, barWidth - 1 - Duration.microseconds(span).compactDescription.count)))\(Duration.microseconds(span).compactDescription)"]
        let onPath = Set(critical.steps)
        for step in record.steps {
            var bar = [Character](repeating: " ", count: barWidth)
            func column(_ time: Int64) -> Int { min(barWidth - 1, Int(Double(time - origin) / Double(span) * Double(barWidth - 1))) }
            if let started = step.startedAt {
                let firstStart = step.earlierAttempts.first?.start ?? started
                if let queued = step.queuedAt, queued < firstStart {
                    for index in column(queued)..<column(firstStart) { bar[index] = style == .plain ? "." : "░" }
                }
                // Failed attempts that were retried; the delays between them stay blank.
                for attempt in step.earlierAttempts {
                    for index in column(attempt.start)...max(column(attempt.start), column(attempt.end)) { bar[index] = style == .plain ? "x" : "▒" }
                }
                let finished = record.end(of: step) ?? end
                // A step on Slurm: `~` while its job was queued, then its run.
                let running = step.runStart(until: finished) ?? started
                for index in column(running)...max(column(running), column(finished)) { bar[index] = style == .plain ? "#" : "█" }
                if running > started {
                    for index in column(started)..<column(running) { bar[index] = "~" }
                }
            }
            let name = pad(step.id.rawValue.count > nameWidth ? step.id.rawValue.prefix(nameWidth - 1) + "…" : step.id.rawValue, nameWidth)
            let status = step.reusedFrom != nil ? "reused" : step.checked == .upToDate ? "up to date" : step.checked == .restored ? "restored" : step.status?.rawValue ?? (step.startedAt == nil ? "not run" : "interrupted")
            let marker = onPath.contains(step.id) ? "*" : " "
            lines.append("\(name)\(marker)|\(colored(String(bar), step.status))| \(status)")
        }
        // A log cut before any step finished has no critical path to name.
        if !critical.steps.isEmpty {
            lines.append("* critical path: \(critical.steps.map(\.rawValue).joined(separator: " -> ")) (\(critical.breakdown))")
        }
        return lines.joined(separator: "\n")
    }

    /// For a large run, only the critical path: the run summary above it
    /// already lists the slowest steps.
    private func summary(_ critical: CriticalPath) -> String {
        let path = critical.steps.count > 12
            ? critical.steps.prefix(5).map(\.rawValue) + ["… \(critical.steps.count - 10) more …"] + critical.steps.suffix(5).map(\.rawValue)
            : critical.steps.map(\.rawValue)
        return "critical path (\(critical.steps.count) steps, \(critical.breakdown)): \(path.joined(separator: " -> "))"
    }

    private func colored(_ bar: String, _ status: StepStatus?) -> String {
        guard style == .color else { return bar }
        let code: String
        switch status {
        case .success: code = "32"
        case .failure: code = "31"
        case .cancelled: code = "33"
        default: code = "2"
        }
        return "\u{1B}[\(code)m\(bar)\u{1B}[0m"
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
