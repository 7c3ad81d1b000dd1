/// What an expression can read when it is evaluated, just before its step runs.
public struct ExpressionContext: Sendable {
    /// A finished step as expressions see it.
    public struct StepState: Sendable, Hashable {
        public var status: StepStatus
        public var outputs: StepOutputs

        public init(status: StepStatus, outputs: StepOutputs) {
            self.status = status
            self.outputs = outputs
        }
    }

    /// The pipeline's `env` with the step's own on top.
    public var environment: [String: String]
    public var parameters: [String: String]
    /// The step's matrix combination (`matrix.KEY`); empty for a step
    /// without a matrix. The loader fills matrix values in ahead of time, so
    /// at run time this is usually empty.
    public var matrix: [String: JSONValue]
    /// Steps that have finished (or been skipped), by id.
    public var steps: [StepID: StepState]
    /// The statuses of the evaluating step's direct needs, for `success()` and `failure()`.
    public var needStatuses: [StepStatus]
    /// Whether the run is stopping (fail-fast or an interrupt), for `cancelled()`.
    public var isStopping: Bool

    public init(
        environment: [String: String] = [:], parameters: [String: String] = [:],
        matrix: [String: JSONValue] = [:], steps: [StepID: StepState] = [:], needStatuses: [StepStatus] = [], isStopping: Bool = false
    ) {
        self.environment = environment
        self.parameters = parameters
        self.matrix = matrix
        self.steps = steps
        self.needStatuses = needStatuses
        self.isStopping = isStopping
    }
}
