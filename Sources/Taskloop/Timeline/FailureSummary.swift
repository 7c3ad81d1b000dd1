/// The end of `taskloop run`'s output when something failed: the failed
/// steps in the order they failed (the first is usually the root cause),
/// each with its place in the pipeline file, its error and the last lines of
/// its output; then the steps cancelled or skipped because of them. Printed
/// last, so the cause is never buried under the output of steps stopped after it.
public struct FailureSummary: Sendable {
    /// How many lines of each failed step's output are shown.
    public static let outputLineCount = 10

    public var record: RunRecord
    public var outputs: [StepID: CapturedOutput]
    public var usesColor: Bool

    public init(record: RunRecord, outputs: [StepID: CapturedOutput] = [:], usesColor: Bool = false) {
        self.record = record
        self.outputs = outputs
        self.usesColor = usesColor
    }

    /// Empty when nothing failed or was cancelled.
    public func render() -> String {
        // Indices first: a step record is a large value, and most steps of a
        // large run neither failed nor were cancelled.
        let steps = record.steps
        let failed = steps.indices.filter { steps[$0].status == .failure }.map { steps[$0] }
            .sorted { ($0.finishedAt ?? .max, $0.line) < ($1.finishedAt ?? .max, $1.line) }
        let cancelled = steps.indices.filter { steps[$0].status == .cancelled }.map { steps[$0] }
        guard !failed.isEmpty || !cancelled.isEmpty else { return "" }
        var lines: [String] = []
        if !failed.isEmpty {
            let heading = failed.count == 1 ? "1 step failed:" : "\(failed.count) steps failed, in the order they failed:"
            lines.append(ANSI.paint(heading, ANSI.bold + ANSI.red, if: usesColor))
        }
        for step in failed {
            var title = "\(step.id) at \(step.file):\(step.line):\(step.column)"
            if let finishedAt = step.finishedAt { title += ", +" + Duration.microseconds(finishedAt).compactDescription }
            // A retried step's error already ends "(after N attempts)" (the scheduler records it so).
            lines.append("")
            lines.append("  " + ANSI.paint("✗ " + step.id.rawValue, ANSI.bold + ANSI.red, if: usesColor) + String(title.dropFirst(step.id.rawValue.count)))
            lines.append("    " + step.errorMessage)
            lines += step.lastLines(Self.outputLineCount, of: outputs).map { "    │ " + $0 }
        }
        if !cancelled.isEmpty {
            lines.append("")
            lines.append("Cancelled: " + cancelled.map(\.id.rawValue).joined(separator: ", ")
                + (record.finished?.reason.map { " (\($0))" } ?? (failed.isEmpty ? "" : " (after the first failure)")))
        }
        return lines.joined(separator: "\n")
    }
}
