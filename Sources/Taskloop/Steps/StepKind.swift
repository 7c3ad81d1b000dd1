/// A kind of step that runs on the event loop: the plugin API's I/O kind, and
/// the protocol every built-in I/O kind (`shell`, `sleep`, `file`) conforms to.
///
/// A conforming type is the *decoded configuration* of one step. The loader
/// creates it from the step's YAML with ``init(from:field:)`` (reporting
/// problems with their line and column), and the scheduler calls
/// ``run(in:)`` on the event loop when the step's `needs` have succeeded.
///
/// `run(in:)` must never block its thread: await I/O, hand blocking calls to
/// ``StepContext/threadPool``, and return promptly when the task is cancelled
/// (a `timeout`, fail-fast, or Ctrl-C cancel it).
public protocol StepKind: Sendable {
    /// The key that introduces the kind in a step (`shell:`), or for a plugin
    /// kind the name written after `uses:`.
    static var name: String { get }
    /// One line for `taskloop steps` and the README.
    static var summary: String { get }
    /// The fields the kind reads, for documentation.
    static var fields: [FieldDocumentation] { get }

    /// Decodes the kind's configuration: the value of its key (`shell: ...`),
    /// or of `with:` for a plugin kind. `field` names that value in messages,
    /// e.g. "`file` of step `notes`".
    init(from configuration: ConfigNode, field: String) throws(PipelineDiagnostics)

    /// Whether steps of this kind run in a worker process (CPU kinds, made
    /// from a ``CPUFunction``) rather than on the event loop. Default: false.
    static var runsInWorker: Bool { get }

    /// A one-line description of what this step does (the command, the path),
    /// for the event log and reports.
    var detail: String { get }

    /// Runs the step. Returns its outputs; throws ``StepFailure`` (or any
    /// error) when it fails, and `CancellationError` when cancelled.
    func run(in context: StepContext) async throws -> StepOutputs
}

/// The documentation of one configuration field of a step kind.
public struct FieldDocumentation: Sendable, Hashable {
    public var name: String
    public var type: String
    public var required: Bool
    public var summary: String

    public init(_ name: String, type: String, required: Bool = false, _ summary: String) {
        self.name = name
        self.type = type
        self.required = required
        self.summary = summary
    }
}

/// What a step publishes for the steps after it: `stdout`, `exit-code`,
/// `bytes`, and so on.
public typealias StepOutputs = [String: JSONValue]

/// Why a step failed, in words for the user, with the details a summary shows.
public struct StepFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// What happened, in one sentence: "exited with status 2".
    public var message: String
    /// The process's exit code, when a process ran.
    public var exitCode: Int32?
    /// The last lines of the step's error output, or other context.
    public var details: [String]
    /// What the step produced before failing (`exit-code`, `stdout`).
    public var outputs: StepOutputs
    /// Set when a CPU step failed because its worker died (for `retry: { on: [worker-crash] }`).
    package var isWorkerCrash = false

    public init(_ message: String, exitCode: Int32? = nil, details: [String] = [], outputs: StepOutputs = [:]) {
        self.message = message
        self.exitCode = exitCode
        self.details = details
        self.outputs = outputs
    }

    public var description: String { message }
}
