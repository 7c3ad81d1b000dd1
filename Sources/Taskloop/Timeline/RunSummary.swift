/// The table `taskloop run` prints at the end: per step its start offset,
/// duration and status, then the run's figures. (``FailureSummary`` follows it.)
public struct RunSummary: Sendable {
    /// Pipelines with more steps than this list only the slowest and the
    /// unsuccessful ones, so the summary stays readable for 10,000 steps.
    public static let fullListingLimit = 40

    public var record: RunRecord
    /// The status shown for a step that had started and not ended when the log ends.
    public static let interrupted = "interrupted (running when the log ends)"

    public init(record: RunRecord) {
        self.record = record
    }

    public func render() -> String {
        var lines: [String] = []
        var listed = record.steps
        var note: String?
        if listed.count > Self.fullListingLimit {
            // Indices, not the (large) step records, are filtered and sorted.
            let steps = record.steps
            let notable = steps.indices.filter { steps[$0].status != .success }.prefix(Self.fullListingLimit / 2)
            // Slowest first; of equal durations, the earlier step.
            let slowest = steps.indices.filter { steps[$0].status == .success }
                .map { (duration: steps[$0].duration ?? 0, index: $0) }
                .sorted { $0.duration != $1.duration ? $0.duration > $1.duration : $0.index < $1.index }
                .prefix(max(10, Self.fullListingLimit / 2 - notable.count)).map(\.index)
            listed = Set(notable).union(slowest).sorted().map { steps[$0] }
            note = "(\(listed.count) of \(record.steps.count) steps shown: the slowest and any that did not succeed)"
        }
        let idWidth = min(40, max(4, listed.map(\.id.rawValue.count).max() ?? 4))
        lines.append(pad("step", idWidth) + "  " + pad("start", 9) + "  " + pad("duration", 9) + "  status")
        for step in listed {
            let start = step.startedAt.map { "+" + Duration.microseconds($0).compactDescription } ?? "-"
            var duration = step.duration.map { Duration.microseconds($0).compactDescription } ?? "-"
            var status = step.status?.rawValue ?? "not run"
            if step.isRunningAtEnd, let started = step.startedAt {
                duration = "≥" + Duration.microseconds(record.lastEventAt - started).compactDescription
                status = Self.interrupted
            }
            if let run = step.reusedFrom { status = "reused (from run \(run))" }
            if step.checked == .upToDate { status = "up to date" }
            if step.checked == .restored { status = "restored (\(step.checkReason ?? "from cache"))" }
            if step.status == .skipped, let reason = step.skipReason { status += " (\(reason))" }
            if step.status == .failure, let exitCode = step.exitCode { status += " (exit \(exitCode))" }
            if step.attempts > 1 { status += " after \(step.attempts) attempts" }
            if let wait = step.executorQueueWait, wait > 0 {
                status += ", \(Duration.microseconds(wait).compactDescription) of it queued in \(step.executorQueueName)"
            }
            lines.append(pad(step.id.rawValue, idWidth) + "  " + pad(start, 9) + "  " + pad(duration, 9) + "  " + status)
        }
        if let note { lines.append(note) }
        lines.append("")
        if let reason = record.finished?.reason, reason != "interrupted" {
            lines.append("The run stopped early: \(reason).")
        }
        lines.append(figures)
        lines += stallWarnings
        return lines.joined(separator: "\n")
    }

    /// One line per stall of the event loop, naming the steps that held it.
    public var stallWarnings: [String] {
        record.stalls.map { _, stall in
            let time = Duration.microseconds(stall.duration).compactDescription
            switch stall.steps.count {
            case 0:
                return "warning: the event loop was blocked for \(time) (by Taskloop itself or a plugin's set-up)"
            case 1:
                return "warning: step `\(stall.steps[0])` blocked the event loop for \(time): move CPU work to a cpu kind, and blocking calls to the thread pool"
            default:
                let names = stall.steps.map { "`\($0)`" }.joined(separator: ", ")
                return "warning: the event loop was blocked for \(time) while steps \(names) ran on it: move CPU work to a cpu kind, and blocking calls to the thread pool"
            }
        }
    }

    /// `makespan 0.26s · step time 0.51s · concurrency 1.96x · 3 succeeded`;
    /// reused steps are counted apart (`· 2 reused`): they did not run.
    public var figures: String {
        // One pass, by index (a step record is a large value).
        let steps = record.steps
        var counts: [StepStatus: Int] = [:]
        var (reused, upToDate, restored) = (0, 0, 0)
        for index in steps.indices {
            if let status = steps[index].status, !RunRecord.didNotRun(steps[index]) { counts[status, default: 0] += 1 }
            if steps[index].reusedFrom != nil { reused += 1 }
            if steps[index].checked == .upToDate { upToDate += 1 }
            if steps[index].checked == .restored { restored += 1 }
        }
        let (makespan, stepTime) = (record.makespan, record.totalStepTime)
        var parts = [
            "makespan \(Duration.microseconds(makespan).compactDescription)",
            "step time \(Duration.microseconds(stepTime).compactDescription)",
            "concurrency \(String(format2: RunRecord.concurrency(stepTime: stepTime, makespan: makespan)))x",
        ]
        if let worst = record.lagSamples.map(\.lag.maximum).max() {
            parts.append("loop lag max \(Duration.microseconds(worst).compactDescription)")
        }
        for status in [StepStatus.success, .failure, .cancelled, .skipped] {
            guard let count = counts[status], count > 0 else { continue }
            let word = ["success": "succeeded", "failure": "failed", "cancelled": "cancelled", "skipped": "skipped"][status.rawValue]!
            parts.append("\(count) \(word)")
        }
        if reused > 0 { parts.append("\(reused) reused") }
        if upToDate > 0 { parts.append("\(upToDate) up to date") }
        if restored > 0 { parts.append("\(restored) restored") }
        return parts.joined(separator: " · ")
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
