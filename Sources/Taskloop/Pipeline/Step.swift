/// The name of a step: the key under `steps:`, matching `[A-Za-z0-9_.-]+`.
public struct StepID: Sendable, Hashable, Comparable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    public var rawValue: String

    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }
    public static func < (lhs: StepID, rhs: StepID) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Whether `text` is a well-formed step id.
    public static func isValid(_ text: String) -> Bool {
        !text.isEmpty && text.unicodeScalars.allSatisfy { scalar in
            scalar.isASCIILetterOrDigit || "_.-".unicodeScalars.contains(scalar)
        }
    }
}

/// One step of a pipeline: its kind's configuration and the fields every
/// kind shares.
///
/// A value type whose fields live in one shared box, copied on write: the
/// scheduler hands a step to its task, its attempts and its context, and
/// each of those copies costs one retain instead of one per field.
public struct Step: Sendable {
    /// A `needs` entry, with where it was written (cycle and unknown-step
    /// errors point at it).
    public struct Dependency: Sendable, Hashable {
        public var id: StepID
        public var location: SourceLocation

        public init(_ id: StepID, at location: SourceLocation) {
            self.id = id
            self.location = location
        }
    }

    /// The fields of a ``Step``.
    ///
    /// Safe to send although its fields are `var`: a box is only written
    /// through ``Step/writableStorage()``, which first copies it unless this
    /// step value is its only owner. A box that another value (and so maybe
    /// another thread) can see is therefore never written, only read.
    private final class Storage: @unchecked Sendable {
        var id: StepID
        var action: any StepKind
        var kindName: String
        var needs: [Dependency]
        var timeout: Duration? = nil
        var pool: String? = nil
        var executor: ExecutorReference? = nil
        var environment: [String: String]
        var workingDirectory: String?
        var continueOnError: Bool
        var location: SourceLocation
        var retry: RetryPolicy? = nil
        var condition: StepCondition? = nil
        var deferredConfiguration: DeferredConfiguration? = nil
        var definition: ConfigNode? = nil
        var incremental: IncrementalSettings = IncrementalSettings()

        init(id: StepID, action: any StepKind, kindName: String, needs: [Dependency], environment: [String: String],
            workingDirectory: String?, continueOnError: Bool, location: SourceLocation) {
            self.id = id
            self.action = action
            self.kindName = kindName
            self.needs = needs
            self.environment = environment
            self.workingDirectory = workingDirectory
            self.continueOnError = continueOnError
            self.location = location
        }

        func copy() -> Storage {
            let copy = Storage(
                id: id, action: action, kindName: kindName, needs: needs, environment: environment,
                workingDirectory: workingDirectory, continueOnError: continueOnError, location: location)
            copy.timeout = timeout
            copy.pool = pool
            copy.executor = executor
            copy.retry = retry
            copy.condition = condition
            copy.deferredConfiguration = deferredConfiguration
            copy.definition = definition
            copy.incremental = incremental
            return copy
        }
    }

    private var storage: Storage

    /// The box, made this value's own first if it is shared.
    private mutating func writableStorage() -> Storage {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return storage
    }

    public var id: StepID {
        get { storage.id }
        _modify { yield &writableStorage().id }
    }
    /// The decoded configuration of the step's kind; it runs the step.
    public var action: any StepKind {
        get { storage.action }
        _modify { yield &writableStorage().action }
    }
    /// The kind's name: `shell`, `sleep`, `file`, or a plugin's `uses:` name.
    public var kindName: String {
        get { storage.kindName }
        _modify { yield &writableStorage().kindName }
    }
    public var needs: [Dependency] {
        get { storage.needs }
        _modify { yield &writableStorage().needs }
    }
    public var timeout: Duration? {
        get { storage.timeout }
        _modify { yield &writableStorage().timeout }
    }
    public var pool: String? {
        get { storage.pool }
        _modify { yield &writableStorage().pool }
    }
    /// `executor:`: the executor a shell step runs on (nil: this machine).
    public var executor: ExecutorReference? {
        get { storage.executor }
        _modify { yield &writableStorage().executor }
    }
    /// Environment for this step, on top of the pipeline's.
    public var environment: [String: String] {
        get { storage.environment }
        _modify { yield &writableStorage().environment }
    }
    /// `cwd:`, the step's folder relative to the pipeline file's folder
    /// (shell commands run there; relative file paths resolve against it).
    public var workingDirectory: String? {
        get { storage.workingDirectory }
        _modify { yield &writableStorage().workingDirectory }
    }
    /// When true, a failure of this step does not stop the run, and its
    /// dependents run anyway.
    public var continueOnError: Bool {
        get { storage.continueOnError }
        _modify { yield &writableStorage().continueOnError }
    }
    /// Where the step's id is written in the file.
    public var location: SourceLocation {
        get { storage.location }
        _modify { yield &writableStorage().location }
    }
    /// `retry:`: how a failure is tried again; nil means it is not.
    public var retry: RetryPolicy? {
        get { storage.retry }
        _modify { yield &writableStorage().retry }
    }
    /// `if:`: whether the step runs, decided when its needs have finished;
    /// nil means "when every need succeeded".
    public var condition: StepCondition? {
        get { storage.condition }
        _modify { yield &writableStorage().condition }
    }
    /// Set when the kind's configuration holds `${{ }}`: it is decoded again,
    /// with the values filled in, just before the step runs.
    public var deferredConfiguration: DeferredConfiguration? {
        get { storage.deferredConfiguration }
        _modify { yield &writableStorage().deferredConfiguration }
    }
    /// The step's YAML as written (its mapping under `steps:`), from which
    /// its fingerprint is computed; nil for a step built in code.
    public var definition: ConfigNode? {
        get { storage.definition }
        _modify { yield &writableStorage().definition }
    }
    /// `sources:`, `generates:` and `cache:`: when the step may be skipped
    /// as up to date, or restored from the local cache.
    public var incremental: IncrementalSettings {
        get { storage.incremental }
        _modify { yield &writableStorage().incremental }
    }

    /// Whether the step runs in a worker process (a CPU kind).
    public var runsInWorker: Bool {
        deferredConfiguration.map { $0.kind.runsInWorker } ?? type(of: action).runsInWorker
    }

    /// Whether anything about the step is decided or filled in at run time.
    public var usesExpressions: Bool {
        condition != nil || deferredConfiguration != nil || environment.values.contains(where: Template.containsExpression)
    }

    public init(
        id: StepID, action: any StepKind, kindName: String, needs: [Dependency] = [],
        timeout: Duration? = nil, pool: String? = nil, environment: [String: String] = [:],
        workingDirectory: String? = nil, continueOnError: Bool = false, location: SourceLocation
    ) {
        storage = Storage(
            id: id, action: action, kindName: kindName, needs: needs, environment: environment,
            workingDirectory: workingDirectory, continueOnError: continueOnError, location: location)
        storage.timeout = timeout
        storage.pool = pool
    }
}

/// A step's `if:`.
public struct StepCondition: Sendable, Hashable {
    public var expression: Expression
    /// As written, for messages.
    public var text: String
    public var location: SourceLocation

    public init(expression: Expression, text: String, location: SourceLocation) {
        self.expression = expression
        self.text = text
        self.location = location
    }

    /// Whether the condition calls a status function (`always()`, `failure()`,
    /// `cancelled()`, `success()`). Without one, `success() &&` is implied: the
    /// step runs only when its needs succeeded, as in GitHub Actions.
    public var checksStatus: Bool {
        !expression.calledFunctions.isDisjoint(with: ["always", "failure", "cancelled", "success"])
    }

    /// Whether the step may run when a need did not succeed (`always()`,
    /// `failure()`, `cancelled()`): it waits until its needs have finished,
    /// however they ended, and neither fail-fast nor an interrupt skips it.
    public var runsAfterFailures: Bool {
        !expression.calledFunctions.isDisjoint(with: ["always", "failure", "cancelled"])
    }
}

/// A kind's configuration that holds expressions, kept to be decoded at run time.
public struct DeferredConfiguration: Sendable {
    public var kind: any StepKind.Type
    public var node: ConfigNode
    /// How messages name the configuration ("`shell` of step `greet`").
    public var field: String

    public init(kind: any StepKind.Type, node: ConfigNode, field: String) {
        self.kind = kind
        self.node = node
        self.field = field
    }
}
