@testable import Taskloop

/// Builds a run's events by hand, for tests of what is drawn from them.
struct RunEvents {
    private(set) var events: [TimelineEvent]

    /// `steps`: id, kind, needs; `continueOnError` names steps allowed to fail.
    init(_ steps: [(String, String, [String])], continueOnError: Set<String> = [], pools: [String: String] = [:]) {
        let declarations = steps.enumerated().map { index, step in
            RunStarted.StepDeclaration(
                id: StepID(step.0), kind: step.1, detail: "\(step.1) detail", needs: step.2.map { StepID($0) }, pool: pools[step.0],
                file: nil, line: index + 2, column: 3, continueOnError: continueOnError.contains(step.0) ? true : nil)
        }
        events = [TimelineEvent(time: 0, .runStarted(RunStarted(
            runID: "r", pipeline: "p", file: "p.yaml", startedAt: "", startedAtUnixMicroseconds: 0, parameters: [:], host: "h",
            pid: 1, version: "0", policy: .failFast, ioLimit: 4, pools: [:], steps: declarations)))]
    }

    mutating func queued(_ step: String, at time: Int64) {
        events.append(TimelineEvent(time: time, .stepQueued(StepQueued(step: StepID(step)))))
    }

    mutating func ran(_ step: String, from start: Int64, to end: Int64, lane: String = "loop", status: StepStatus = .success,
                      attempt: Int = 1, retryIn: Int64? = nil, error: String? = nil) {
        events.append(TimelineEvent(time: start, .stepStarted(StepStarted(step: StepID(step), attempt: attempt, lane: lane == "loop" ? "loop" : "worker"))))
        var finished = StepFinished(step: StepID(step), attempt: attempt, lane: lane, status: status)
        finished.error = error
        finished.retryDelay = retryIn
        events.append(TimelineEvent(time: end, .stepFinished(finished)))
    }

    mutating func skipped(_ step: String, at time: Int64, reason: String) {
        events.append(TimelineEvent(time: time, .stepSkipped(StepSkipped(step: StepID(step), reason: reason))))
    }

    mutating func finished(_ status: RunFinished.Status, at time: Int64) {
        events.append(TimelineEvent(time: time, .runFinished(RunFinished(status: status, reason: nil, succeeded: 0, failed: 0, cancelled: 0, skipped: 0))))
    }

    /// The record, with events in time order (as a log holds them).
    var record: RunRecord {
        RunRecord(events: events.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element))
    }
}
