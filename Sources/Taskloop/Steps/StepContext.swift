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
    /// What every step of a run shares, made once per run: a context points
    /// at it rather than holding a copy of each field (a context is made for
    /// every attempt of every step).
    package final class RunServices: Sendable {
        let eventLoop: any EventLoop
        let threadPool: NIOThreadPool
        let terminationGracePeriod: Duration
        let httpClient: SharedHTTPClient
        let runDirectory: String
        let workerPool: WorkerPool?
        let secretMasker: SecretMasker
        /// Removes the files steps are done with, in batches on the pool.
        let fileRemoval: BatchedRemoval
        /// Records a timeline event (called on `eventLoop`).
        let eventHandler: @Sendable (TimelineEvent.Payload) -> Void
        let outputHandler: @Sendable (StepOutputChunk) -> Void

        package init(
            eventLoop: any EventLoop, threadPool: NIOThreadPool, terminationGracePeriod: Duration,
            httpClient: SharedHTTPClient, runDirectory: String, workerPool: WorkerPool?, secretMasker: SecretMasker,
            eventHandler: @escaping @Sendable (TimelineEvent.Payload) -> Void,
            outputHandler: @escaping @Sendable (StepOutputChunk) -> Void
        ) {
            self.eventLoop = eventLoop
            self.threadPool = threadPool
            self.terminationGracePeriod = terminationGracePeriod
            self.httpClient = httpClient
            self.runDirectory = runDirectory
            self.workerPool = workerPool
            self.secretMasker = secretMasker
            self.fileRemoval = BatchedRemoval(eventLoop: eventLoop, threadPool: threadPool)
            self.eventHandler = eventHandler
            self.outputHandler = outputHandler
        }
    }

    public let stepID: StepID
    /// 1 for the first attempt.
    public let attempt: Int
    /// The folder of the pipeline file: relative paths are resolved against it.
    public let workingDirectory: String
    /// The step's own `timeout:`, when it has one: the step is cancelled
    /// when an attempt runs longer.
    public let timeout: Duration?
    /// The pipeline's `env:` with the step's `env:` on top (not the inherited
    /// environment, which shell steps add beneath).
    public let environment: [String: String]
    /// The single event loop every I/O step runs on.
    public var eventLoop: any EventLoop { services.eventLoop }
    /// For blocking system calls that have no asynchronous form.
    public var threadPool: NIOThreadPool { services.threadPool }
    /// How long a process gets between SIGTERM and SIGKILL when its step is
    /// cancelled or times out.
    public var terminationGracePeriod: Duration { services.terminationGracePeriod }
    /// The run's HTTP client: it runs on ``eventLoop`` and shares its
    /// connection pool with the run's other steps. Made when a step first
    /// asks for it. For a step without a ``timeout``, a request fails once
    /// nothing has come from the server for five minutes (a stalled server);
    /// a step with one has that limit instead.
    public var httpClient: HTTPClient { services.httpClient.client(watchful: timeout == nil) }
    /// How long a request of ``httpClient`` may receive nothing, for a step without a `timeout:`.
    package var httpStallLimit: Duration { services.httpClient.stallLimit }
    /// This run's folder (`.taskloop/runs/<run-id>`), for files a step keeps
    /// for the run, such as its `$TASKLOOP_OUTPUT` file.
    public var runDirectory: String { services.runDirectory }
    /// The run's worker processes, for CPU steps (nil when the pipeline has none).
    package var workerPool: WorkerPool? { services.workerPool }
    /// The run's secrets, for a step that cuts output it keeps (so a cut
    /// never leaves the start of a secret, which masking would not catch).
    package var secretMasker: SecretMasker { services.secretMasker }
    /// Removes files the step is done with (its empty `$TASKLOOP_OUTPUT`)
    /// off the loop, in batches; the run waits for them before it ends.
    var fileRemoval: BatchedRemoval { services.fileRemoval }
    /// Where a shell step's command runs (nil: on this machine).
    package let executor: Executor?
    /// For an http step with `save:` in an incremental run: the validators
    /// of the response it saved, to ask the server whether that changed.
    package let conditionalRequest: HTTPConditionalRequest?
    private let services: RunServices
    private let laneName = Mutex("loop")

    package init(
        stepID: StepID, attempt: Int, workingDirectory: String, environment: [String: String],
        services: RunServices, timeout: Duration? = nil, executor: Executor? = nil, conditionalRequest: HTTPConditionalRequest? = nil
    ) {
        self.stepID = stepID
        self.attempt = attempt
        self.workingDirectory = workingDirectory
        self.timeout = timeout
        self.environment = environment
        self.services = services
        self.executor = executor
        self.conditionalRequest = conditionalRequest
    }

    /// Where the step runs: `loop`, or the worker a CPU step was given (`worker-2`).
    package var lane: String { laneName.withLock { $0 } }

    package func reportLane(_ lane: String) { laneName.withLock { $0 = lane } }

    /// The step's process began to run on `lane` after waiting in its
    /// executor's `queue` (`slurm`): the lane changes, and the timeline
    /// records a `step-running` event. Call it on ``eventLoop``.
    package func reportRunning(on lane: String, queue: String) {
        reportLane(lane)
        services.eventHandler(.stepRunning(StepRunning(step: stepID, attempt: attempt, lane: lane, queue: queue)))
    }

    /// Streams text to the user as this step's output (prefixed with the step
    /// id when it is printed). Text may end mid-line; lines are assembled.
    public func write(_ text: String, to stream: StepOutputChunk.Stream = .standardOutput) {
        services.outputHandler(StepOutputChunk(step: stepID, stream: stream, text: text))
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
