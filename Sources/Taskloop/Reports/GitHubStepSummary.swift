/// A run as Markdown for GitHub Actions' job summary (the file named by
/// `$GITHUB_STEP_SUMMARY`): a heading with the pipeline and its result, the
/// failures first with their error and last lines of output in a code block,
/// then a table of the steps with status, duration and attempts.
public struct GitHubStepSummary: Sendable {
    /// How many lines of a failed step's output the summary quotes.
    public static let outputLines = 20
    /// Larger runs list only the steps that did not succeed (up to this many),
    /// so the summary stays within GitHub's size limit.
    public static let tableLimit = 100
    /// At most this many failures are quoted with their output.
    public static let quotedFailuresLimit = 20

    public var record: RunRecord
    public var outputs: [StepID: CapturedOutput]

    public init(record: RunRecord, outputs: [StepID: CapturedOutput]) {
        self.record = record
        self.outputs = outputs
    }

    public func render() -> String {
        var lines = [heading, "", figures, ""]
        let failures = record.failedSteps
        if !failures.isEmpty {
            lines += ["### Failures", ""]
            for step in failures.prefix(Self.quotedFailuresLimit) {
                lines += failure(step)
            }
            if failures.count > Self.quotedFailuresLimit {
                lines += ["…and \(failures.count - Self.quotedFailuresLimit) more failures.", ""]
            }
        }
        lines += ["### Steps", "", "| step | status | duration | attempts |", "| --- | --- | ---: | ---: |"]
        var listed = record.steps
        if listed.count > Self.tableLimit {
            listed = Array(listed.filter { $0.status != .success }.prefix(Self.tableLimit))
        }
        for step in listed {
            let duration = step.duration.map { Duration.microseconds($0).compactDescription } ?? "-"
            lines.append("| `\(step.id)` | \(cell(status(step))) | \(duration) | \(step.attempts) |")
        }
        if listed.count < record.steps.count {
            lines += ["", "\(record.steps.count - listed.count) more steps succeeded; the event log has them all."]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private var heading: String {
        let name = record.started?.pipeline ?? "pipeline"
        switch record.finished?.status {
        case .success: return "## ✅ \(name) succeeded"
        case .failure: return "## ❌ \(name) failed"
        case .interrupted: return "## 🛑 \(name) was interrupted"
        case nil: return "## ⚠️ \(name) did not finish"
        }
    }

    /// `1 failed · 3 succeeded · 1 skipped · 1.20s · run 20261125-120000-abcd`
    private var figures: String {
        var parts: [String] = []
        for (status, word) in [(StepStatus.failure, "failed"), (.cancelled, "cancelled"), (.success, "succeeded"), (.skipped, "skipped")] {
            let count = record.steps.filter { $0.status == status }.count
            if count > 0 { parts.append("\(count) \(word)") }
        }
        parts.append(Duration.microseconds(record.runDuration).compactDescription)
        if let started = record.started { parts.append("run `\(started.runID)`") }
        var line = parts.joined(separator: " · ")
        if let reason = record.finished?.reason, reason != "interrupted" { line += "\n\nThe run stopped early: \(reason)." }
        return line
    }

    private func failure(_ step: RunRecord.StepRecord) -> [String] {
        var title = "**`\(step.id)`** (`\(step.location)`): \(step.errorMessage)"
        if step.continueOnError { title += " (continue-on-error)" }
        let quoted = step.lastLines(Self.outputLines, of: outputs)
        guard !quoted.isEmpty else { return [title, ""] }
        let fence = Self.fence(for: quoted)
        return [title, "", fence] + quoted + [fence, ""]
    }

    private func status(_ step: RunRecord.StepRecord) -> String {
        switch step.status {
        case .success: return "✅ success"
        case .failure:
            let exit = step.exitCode.map { " (exit \($0))" } ?? ""
            return "❌ failure" + exit + (step.continueOnError ? ", continue-on-error" : "")
        case .cancelled: return "🚫 cancelled"
        case .skipped: return "⏭️ skipped" + (step.skipReason.map { ": \($0)" } ?? "")
        case nil: return step.startedAt == nil ? "not run" : "unfinished"
        }
    }

    /// A table cell's text: `|` escaped, line ends as spaces.
    func cell(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "|": result += "\\|"
            case "\n", "\r": result += " "
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// A code fence longer than any run of backticks in `lines`, so none ends the block.
    static func fence(for lines: [String]) -> String {
        var longest = 0
        for line in lines {
            var run = 0
            for character in line.unicodeScalars {
                run = character == "`" ? run + 1 : 0
                longest = max(longest, run)
            }
        }
        return String(repeating: "`", count: max(3, longest + 1))
    }
}
