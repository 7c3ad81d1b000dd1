/// A CPU-bound function: the plugin API's CPU kind, and the protocol of every
/// built-in CPU function (`sha256`, `gzip`, `gunzip`, `primes`, `spin`).
///
/// A pipeline calls one with `cpu: { function: NAME, with: {...} }`, or, for a
/// plugin's function, `uses: NAME` and `with:`. Its `with:` is decoded when the
/// file loads (so mistakes are reported with their line and column) and again
/// in a worker process, where ``run(_:in:)`` runs: synchronously, on a core of
/// its own, never on the event loop. Workers re-run the same executable, so a
/// plugin's functions exist there too.
public protocol CPUFunction: Sendable {
    associatedtype Input: Sendable

    static var name: String { get }
    static var summary: String { get }
    static var fields: [FieldDocumentation] { get }

    /// Decodes and checks the `with:` values; `field` names them in messages.
    static func decode(_ configuration: ConfigNode, field: String) throws(PipelineDiagnostics) -> Input

    /// Computes the outputs. Runs in a worker process; may block and burn CPU.
    /// Throw ``StepFailure`` (or any error) to fail the step.
    static func run(_ input: Input, in context: CPUContext) throws -> StepOutputs
}

/// What a CPU function may use in the worker.
public struct CPUContext: Sendable {
    public let stepID: StepID
    /// The step's folder (absolute): relative paths resolve against it.
    public let workingDirectory: String

    public init(stepID: StepID, workingDirectory: String) {
        self.stepID = stepID
        self.workingDirectory = workingDirectory
    }

    public func resolve(_ path: String) -> String {
        StepContext.resolve(path, against: workingDirectory)
    }
}

extension CPUFunction {
    /// Decodes `configuration` and runs: what a worker does with a request.
    static func execute(_ configuration: ConfigNode, in context: CPUContext) throws -> StepOutputs {
        let input: Input
        do {
            input = try decode(configuration, field: "`with` of step `\(context.stepID)`")
        } catch {
            throw StepFailure(error.diagnostics.map(\.problem.message).joined(separator: "; "))
        }
        return try run(input, in: context)
    }
}

/// The step kind that runs `function` in a worker.
func stepKind<Function: CPUFunction>(of function: Function.Type) -> any StepKind.Type {
    CPUStep<Function>.self
}
