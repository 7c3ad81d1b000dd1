/// How one attempt of a step ended, as the scheduler records it.
package struct StepResult: Sendable, Hashable {
    package var status: StepStatus
    package var outputs: StepOutputs = [:]
    package var exitCode: Int32?
    package var error: String?
    package var details: [String] = []
    /// Where it ran: `loop`, or a worker (`worker-2`).
    package var lane = "loop"
    /// Which attempt this was (1 for the first).
    package var attempt = 1
    /// Why it failed, for `retry: { on: [...] }`.
    package var timedOut = false
    package var workerCrashed = false
    /// Set when the step did not run: it was up to date, or restored from the cache.
    package var checked: StepChecked.Outcome?
    /// Set with `checked` when the step started before it was found up to
    /// date (an http step whose server answered 304): its `step-started`
    /// needs a `step-finished`.
    package var checkedAfterStarting = false

    /// The exit code, or an HTTP step's status: what `on: [...]` numbers match.
    package var code: Int? {
        if let exitCode { return Int(exitCode) }
        if case .number(let status)? = outputs["status"] { return Int(status) }
        return nil
    }

    package static func success(_ outputs: StepOutputs) -> StepResult {
        StepResult(status: .success, outputs: outputs)
    }
}
