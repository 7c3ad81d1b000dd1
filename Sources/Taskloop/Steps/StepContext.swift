public import AsyncHTTPClient
public import NIOCore
public import NIOPosix
import Synchronization

/// What a running step may use: its identity, its folder and environment,
/// the event loop it runs on, and a way to stream output.
///
/// A context lives for one attempt of one step. Every member may be used from
/// the step's task, which runs on ``eventLoop``.
public final class StepContext: Sendable {
    public let stepID: StepID
    /// 1 for the first attempt.
    public let attempt: Int
    /// The folder of the pipeline file: relative paths are resolved against it.
    public let workingDirectory: String
    /// The pipeline's `env:` with the step's `env:` on top (not the inherited
    /// environment, which shell steps add beneath).
    public let environment: [String: String]
    /// The single event loop every I/O step runs on.
    public let eventLoop: any EventLoop
    /// For blocking system calls that have no asynchronous form.
    public let threadPool: NIOThreadPool
    /// How long a process gets between SIGTERM and SIGKILL when its step is
    /// cancelled or times out.
    public let terminationGracePeriod: Duration
    /// The run's HTTP client: it runs on ``eventLoop`` and shares one
    /// connection pool among all steps. Made when a step first asks for it.
    public var httpClient: HTTPClient { sharedHTTPClient.client }
    private let sharedHTTPClient: SharedHTTPClient
    /// This run's folder (`.taskloop/runs/<run-id>`), for files a step keeps
    /// for the run, such as its `$TASKLOOP_OUTPUT` file.
    public let runDirectory: String
    /// The run's worker processes, for CPU steps (nil when the pipeline has none).
    package let workerPool: WorkerPool?
    /// The run's secrets, for a step that cuts output it keeps (so a cut
    /// never leaves the start of a secret, which masking would not catch).
    package let secretMasker: SecretMasker
    /// Where a shell step's command runs (nil: on this machine).
    package let executor: Executor?
    /// For an http step with `save:` in an incremental run: the validators
    /// of the response it saved, to ask the server whether that changed.
    package let conditionalRequest: HTTPConditionalRequest?
    private let outputHandler: @Sendable (StepOutputChunk) -> Void
    /// Records a timeline event of this step (called on ``eventLoop``).
    private let eventHandler: @Sendable (TimelineEvent.Payload) -> Void
    private let laneName = Mutex("loop")

    package init(
        stepID: StepID, attempt: Int, workingDirectory: String, environment: [String: String],
        eventLoop: any EventLoop, threadPool: NIOThreadPool, terminationGracePeriod: Duration,
        httpClient: SharedHTTPClient, runDirectory: String, workerPool: WorkerPool? = nil, executor: Executor? = nil,
        secretMasker: SecretMasker = SecretMasker(values: []), conditionalRequest: HTTPConditionalRequest? = nil,
        eventHandler: @escaping @Sendable (TimelineEvent.Payload) -> Void = { _ in },
        outputHandler: @escaping @Sendable (StepOutputChunk) -> Void
    ) {
        self.conditionalRequest = conditionalRequest
        self.eventHandler = eventHandler
        self.workerPool = workerPool
        self.executor = executor
        self.secretMasker = secretMasker
        self.sharedHTTPClient = httpClient
        self.runDirectory = runDirectory
        self.stepID = stepID
        self.attempt = attempt
        self.workingDirectory = workingDirectory
        self.environment = environment
        self.eventLoop = eventLoop
        self.threadPool = threadPool
        self.terminationGracePeriod = terminationGracePeriod
        self.outputHandler = outputHandler
    }

    /// Where the step runs: `loop`, or the worker a CPU step was given (`worker-2`).
    package var lane: String { laneName.withLock { $0 } }

    package func reportLane(_ lane: String) { laneName.withLock { $0 = lane } }

    /// The step's process began to run on `lane` after waiting in its
    /// executor's `queue` (`slurm`): the lane changes, and the timeline
    /// records a `step-running` event. Call it on ``eventLoop``.
    package func reportRunning(on lane: String, queue: String) {
        reportLane(lane)
        eventHandler(.stepRunning(StepRunning(step: stepID, attempt: attempt, lane: lane, queue: queue)))
    }

    /// Streams text to the user as this step's output (prefixed with the step
    /// id when it is printed). Text may end mid-line; lines are assembled.
    public func write(_ text: String, to stream: StepOutputChunk.Stream = .standardOutput) {
        outputHandler(StepOutputChunk(step: stepID, stream: stream, text: text))
    }

    /// An absolute path for `path`, resolved against ``workingDirectory``.
    public func resolve(_ path: String) -> String {
        Self.resolve(path, against: workingDirectory)
    }

    static func resolve(_ path: String, against folder: String) -> String {
        if path.hasPrefix("/") || folder.isEmpty || folder == "." { return path.isEmpty ? folder : path }
        if path.isEmpty || path == "." { return folder }
        return folder.hasSuffix("/") ? folder + path : folder + "/" + path
    }
}

/// A piece of a step's output stream.
public struct StepOutputChunk: Sendable, Hashable {
    public enum Stream: String, Sendable, Hashable, Codable {
        case standardOutput = "stdout"
        case standardError = "stderr"
    }

    public var step: StepID
    public var stream: Stream
    public var text: String
}
