import Foundation

/// A run as JUnit XML, the test-report shape that Jenkins, GitLab and the
/// GitHub test reporters read: one `<testsuite>` for the pipeline in a
/// `<testsuites>`, and one `<testcase>` per step, in file order.
///
/// A failed step carries a `<failure>` (its error, earlier attempts, details
/// and last lines of output), a cancelled or unfinished one an `<error>`, a
/// skipped one `<skipped>`; `<system-out>` holds the end of the step's output.
/// Times are seconds with three decimals.
public struct JUnitReport: Sendable {
    /// How many lines of a failed step's output its `<failure>` repeats.
    public static let failureOutputLines = 20

    public var record: RunRecord
    public var outputs: [StepID: CapturedOutput]

    public init(record: RunRecord, outputs: [StepID: CapturedOutput]) {
        self.record = record
        self.outputs = outputs
    }

    /// How each step counts in the suite's totals.
    enum Outcome {
        case passed
        case failure
        case error
        case skipped
    }

    public func render() -> String {
        let name = record.started?.pipeline ?? "pipeline"
        let outcomes = record.steps.map(Self.outcome)
        let failures = outcomes.filter { $0 == .failure }.count
        let errors = outcomes.filter { $0 == .error }.count
        let skipped = outcomes.filter { $0 == .skipped }.count
        let time = ReportFormat.seconds(record.runDuration)
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<testsuites name=\"\(attribute(name))\" tests=\"\(record.steps.count)\" failures=\"\(failures)\" errors=\"\(errors)\" time=\"\(time)\">\n"
        xml += "  <testsuite name=\"\(attribute(name))\" tests=\"\(record.steps.count)\" failures=\"\(failures)\" errors=\"\(errors)\" skipped=\"\(skipped)\" time=\"\(time)\""
        if let started = record.started {
            xml += " timestamp=\"\(Self.timestamp(started.startedAtUnixMicroseconds))\" hostname=\"\(attribute(started.host))\""
        }
        xml += ">\n"
        if let started = record.started {
            xml += "    <properties>\n"
            for (key, value) in [("run-id", started.runID), ("file", started.file), ("status", record.finished?.status.rawValue ?? "unfinished")] {
                xml += "      <property name=\"\(key)\" value=\"\(attribute(value))\"/>\n"
            }
            xml += "    </properties>\n"
        }
        for (step, outcome) in zip(record.steps, outcomes) {
            xml += testCase(step, outcome: outcome, className: name)
        }
        xml += "  </testsuite>\n</testsuites>\n"
        return xml
    }

    private func testCase(_ step: RunRecord.StepRecord, outcome: Outcome, className: String) -> String {
        let output = outputs[step.id]
        var xml = "    <testcase name=\"\(attribute(step.id.rawValue))\" classname=\"\(attribute(className))\""
        xml += " time=\"\(ReportFormat.seconds(step.duration ?? 0))\" file=\"\(attribute(step.file))\" line=\"\(step.line)\""
        var body: [String] = []
        switch outcome {
        case .passed:
            break
        case .failure:
            let type = step.exitCode.map { "exit \($0)" } ?? step.kind
            body.append("<failure message=\"\(attribute(step.errorMessage))\" type=\"\(attribute(type))\">\(text(failureText(step, output: output)))</failure>")
        case .error where step.status == .cancelled:
            body.append("<error message=\"\(attribute(step.errorMessage))\" type=\"cancelled\">\(text(failureText(step, output: output)))</error>")
        case .error:
            body.append("<error message=\"the run ended before this step finished\" type=\"unfinished\"/>")
        case .skipped:
            body.append("<skipped message=\"\(attribute(step.skipReason ?? "not run"))\"/>")
        }
        if let checked = step.checked {
            let what = checked == .upToDate ? "up to date: not run" : "restored from the cache, not run (\(step.checkReason ?? ""))"
            body.append("<system-out>\(text(what + "\n"))</system-out>")
        } else if let reusedFrom = step.reusedFrom {
            body.append("<system-out>\(text("reused: this step succeeded in run \(reusedFrom), which --resume reused\n"))</system-out>")
        } else if let output, !output.text.isEmpty {
            let dropped = output.droppedBytes > 0 ? "[\(output.droppedBytes) earlier bytes of output were dropped]\n" : ""
            body.append("<system-out>\(text(dropped + output.text))</system-out>")
        }
        if body.isEmpty { return xml + "/>\n" }
        return xml + ">\n" + body.map { "      " + $0 + "\n" }.joined() + "    </testcase>\n"
    }

    /// The error, the errors of earlier attempts, the details and the last
    /// lines of output, as the text of a `<failure>` or `<error>`.
    private func failureText(_ step: RunRecord.StepRecord, output: CapturedOutput?) -> String {
        var lines = [step.errorMessage]
        if step.continueOnError { lines.append("(continue-on-error: this failure did not fail the run)") }
        for attempt in step.earlierAttempts {
            lines.append("attempt \(attempt.attempt): \(attempt.error ?? "failed")")
        }
        if !step.details.isEmpty { lines += [""] + step.details }
        let tail = output?.lastLines(Self.failureOutputLines) ?? []
        if !tail.isEmpty { lines += ["", "last lines of output:"] + tail }
        return lines.joined(separator: "\n") + "\n"
    }

    static func outcome(_ step: RunRecord.StepRecord) -> Outcome {
        switch step.status {
        case .success: return .passed
        case .failure: return .failure
        case .cancelled: return .error
        case .skipped: return .skipped
        case nil: return step.startedAt == nil ? .skipped : .error
        }
    }

    /// `2026-11-25T12:00:00`: the run's wall-clock start in UTC, in the
    /// JUnit schema's form (no fraction, no time zone).
    static func timestamp(_ unixMicroseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.formatOptions = [.withFullDate, .withDashSeparatorInDate, .withTime, .withColonSeparatorInTime]
        return formatter.string(from: Date(timeIntervalSince1970: Double(unixMicroseconds / 1_000_000)))
    }

    private func attribute(_ value: String) -> String { XMLEscaping.attribute(value) }
    private func text(_ value: String) -> String { XMLEscaping.text(value) }
}
