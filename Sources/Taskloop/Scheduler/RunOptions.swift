/// How to run a pipeline: the `taskloop run` flags, as a library value.
public struct RunOptions: Sendable {
    public var policy: FailurePolicy
    /// Where to write the event log; nil means
    /// `.taskloop/runs/<run-id>/events.jsonl` beside the pipeline file.
    public var eventLogPath: String?
    /// How long a process gets between SIGTERM and SIGKILL when its step is
    /// cancelled or times out.
    public var terminationGracePeriod: Duration
    /// The run's id; nil makes one from the start time (sortable).
    public var runID: String?
    /// How worker processes for CPU steps are started.
    public var workerLaunch: WorkerLaunch
    /// How long a new worker process has to say hello before it is killed
    /// and counts as a failed start.
    public var workerStartTimeout: Duration = .seconds(30)
    /// A limit on the whole run (`--timeout`), over the pipeline's `timeout:`.
    public var timeout: Duration?
    /// A tick of the event loop this late is recorded as a stall
    /// (`--loop-stall-threshold`).
    public var loopStallThreshold: Duration
    /// Which steps run, are reused from an earlier run, or are left out
    /// (`taskloop run FILE STEP...`, `--skip`, `--resume`); nil runs every step.
    public var selection: StepSelection?
    /// `--no-cache` and `--force`: how steps with `sources:` are checked.
    public var incremental = IncrementalOptions()
    /// How long an HTTP request of a step without a `timeout:` may receive
    /// nothing from the server before it fails (see ``StepContext/httpClient``).
    public var httpStallLimit = Self.defaultHTTPStallLimit

    /// Five minutes: longer than any server takes to start answering
    /// or between two parts of a body, unless it is stuck.
    public static let defaultHTTPStallLimit = Duration.seconds(300)

    public init(
        policy: FailurePolicy = .failFast, eventLogPath: String? = nil,
        terminationGracePeriod: Duration = .seconds(10), runID: String? = nil,
        workerLaunch: WorkerLaunch = .currentExecutable, loopStallThreshold: Duration = .milliseconds(100),
        timeout: Duration? = nil
    ) {
        self.timeout = timeout
        self.loopStallThreshold = loopStallThreshold
        self.workerLaunch = workerLaunch
        self.policy = policy
        self.eventLogPath = eventLogPath
        self.terminationGracePeriod = terminationGracePeriod
        self.runID = runID
    }
}
