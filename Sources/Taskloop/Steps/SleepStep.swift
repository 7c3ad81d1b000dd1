/// `sleep: 250ms`: waits without holding a thread, on the event loop's timer.
public struct SleepStep: StepKind {
    public static let name = "sleep"
    public static let summary = "Wait for a duration without using a thread (250ms, 1.5s, 2m, 1h; a bare number is seconds)."
    public static let fields = [FieldDocumentation("sleep", type: "duration", required: true, "How long to wait.")]

    public var duration: Duration

    public init(duration: Duration) {
        self.duration = duration
    }

    public init(from configuration: ConfigNode, field: String) throws(PipelineDiagnostics) {
        duration = try configuration.duration(field: field)
    }

    public var detail: String { "sleep \(duration.compactDescription)" }

    public func run(in context: StepContext) async throws -> StepOutputs {
        try await context.eventLoop.sleep(for: duration)
        return [:]
    }
}
