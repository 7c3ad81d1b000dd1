/// A step that runs a ``CPUFunction`` in a worker process: `cpu: { function:
/// sha256, with: {...} }`, or `uses: NAME` for a plugin's function.
///
/// On the event loop it only sends the request and awaits the reply; the
/// computing happens in the worker.
public struct CPUStep<Function: CPUFunction>: StepKind {
    public static var name: String { Function.name }
    public static var summary: String { Function.summary }
    public static var fields: [FieldDocumentation] { Function.fields }
    public static var runsInWorker: Bool { true }

    /// The `with:` values as decoded here (to report problems at load time).
    public let input: Function.Input
    /// The `with:` values as written (expressions filled in), sent to the worker.
    public let configuration: ConfigNode

    public init(from configuration: ConfigNode, field: String) throws(PipelineDiagnostics) {
        input = try Function.decode(configuration, field: field)
        self.configuration = configuration
    }

    public var detail: String { "cpu \(Function.name)" }

    public func run(in context: StepContext) async throws -> StepOutputs {
        guard let pool = context.workerPool else {
            throw StepFailure("no worker pool runs in this process to run `\(Function.name)`")
        }
        let request = WorkerRequest(
            id: 0, function: Function.name, step: context.stepID.rawValue,
            workingDirectory: context.workingDirectory, with: configuration)
        let reply = try await pool.execute(request, lane: { lane in context.reportLane(lane) }, startedOnSlurm: { lane in
            context.reportRunning(on: lane, queue: "slurm")
        })
        return reply
    }
}

extension StepKind {
    public static var runsInWorker: Bool { false }
}
