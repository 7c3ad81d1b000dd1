import NIOCore

/// A loaded and validated pipeline: what `taskloop run` executes.
///
/// Invariants once ``PipelineLoader`` returns one: step ids are unique and
/// well formed, every `needs` names a step of this pipeline, the steps form no
/// cycle, and every `pool` is declared in ``limits``.
public struct Pipeline: Sendable {
    /// `name:` from the file, or the file's name without its extension.
    public var name: String
    /// The path of the file as the user named it (diagnostics print it).
    public var file: String
    /// The folder of the file: shell `cwd` and file paths are relative to it.
    public var directory: String
    /// Environment for every shell step, on top of the inherited one.
    public var environment: [String: String]
    /// Parameter defaults; `--param key=value` overrides them.
    public var parameters: [String: String]
    public var limits: Limits
    /// `timeout:` for the whole run.
    public var timeout: Duration?
    /// `secrets:`: environment variables whose values are masked as `***` in
    /// everything Taskloop writes.
    public var secrets: [String] = []
    /// `executors:`: where shell steps and workers may run besides this machine.
    public var executors: [String: Executor] = [:]
    /// The steps in file order, which is also the order ready steps start in.
    public var steps: [Step]
    /// Problems that do not stop the pipeline from running (shown by
    /// `validate` and at the start of `run`).
    public var warnings: [Diagnostic] = []

    public init(
        name: String, file: String, directory: String,
        environment: [String: String] = [:], parameters: [String: String] = [:],
        limits: Limits = Limits(), steps: [Step]
    ) {
        self.name = name
        self.file = file
        self.directory = directory
        self.environment = environment
        self.parameters = parameters
        self.limits = limits
        self.steps = steps
    }

    public func step(_ id: StepID) -> Step? {
        steps.first(where: { $0.id == id })
    }
}

/// `limits:`, how much runs at once.
public struct Limits: Sendable, Hashable {
    /// The default for `limits.io`.
    public static let defaultIO = 256
    /// The default for `limits.workers`: one per core.
    public static var defaultWorkers: Int { max(1, System.coreCount) }

    /// I/O steps in flight at once.
    public var io: Int
    /// CPU worker processes; nil means one per core.
    public var workers: Int?
    /// Named limits; a step joins one with `pool:`.
    public var pools: [String: Int]
    /// `limits.workers.executor`: the executor that starts the CPU workers
    /// (nil: they run on this machine).
    public var workerExecutor: ExecutorReference?

    public init(io: Int = Limits.defaultIO, workers: Int? = nil, pools: [String: Int] = [:]) {
        self.io = io
        self.workers = workers
        self.pools = pools
    }
}
