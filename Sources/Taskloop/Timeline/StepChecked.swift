/// What a run decided for a step with `sources:` before running it: it runs
/// (and why), it is up to date, or its outputs were restored from the local
/// cache. The last two end the step: no `step-started` or `step-finished`
/// follows, and its recorded outputs stand in for a run.
public struct StepChecked: Sendable, Hashable, Codable {
    public enum Outcome: String, Sendable, Hashable, Codable {
        case run
        case upToDate = "up-to-date"
        case restored
    }

    public var step: StepID
    public var outcome: Outcome
    /// Why: "source src/a.c changed", "output build/app missing", ...
    public var reason: String
    /// For an up-to-date or restored step, the outputs recorded when it ran.
    public var outputs: StepOutputs?

    public init(step: StepID, outcome: Outcome, reason: String, outputs: StepOutputs? = nil) {
        self.step = step
        self.outcome = outcome
        self.reason = reason
        self.outputs = outputs
    }
}
