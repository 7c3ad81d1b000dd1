/// What the CI reports (JUnit, JSON, GitHub) and the failure summary read
/// alike from a run's record.
extension RunRecord {
    /// From the run's start to its `run-finished` event (or, for a run that
    /// did not finish, to the last step's end), in microseconds.
    var runDuration: Int64 {
        finishedAt ?? steps.compactMap(\.finishedAt).max() ?? 0
    }

    /// The steps that failed, in file order.
    var failedSteps: [StepRecord] {
        steps.filter { $0.status == .failure }
    }
}

extension RunRecord.StepRecord {
    /// The error of a failed or cancelled step, in one line, with a fallback.
    var errorMessage: String {
        error ?? (status == .cancelled ? "cancelled" : "failed")
    }

    /// The step's location as `file:line`.
    var location: String {
        "\(file):\(line)"
    }

    /// What to quote of a failed step: the last `count` lines of its output,
    /// or of its error details when it printed nothing (an HTTP body, say).
    func lastLines(_ count: Int, of outputs: [StepID: CapturedOutput]) -> [String] {
        let output = outputs[id]?.lastLines(count) ?? []
        return output.isEmpty ? Array(details.suffix(count)) : output
    }
}

enum ReportFormat {
    /// `1.234`: microseconds as seconds with three decimals, independent of the locale.
    static func seconds(_ microseconds: Int64) -> String {
        let milliseconds = (max(0, microseconds) + 500) / 1_000
        return "\(milliseconds / 1_000)." + String(zeroPadded: milliseconds % 1_000, digits: 3)
    }
}
