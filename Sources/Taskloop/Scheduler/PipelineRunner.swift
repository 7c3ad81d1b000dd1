import Foundation
#if canImport(Glibc)
import Glibc
#endif
package import NIOCore
import NIOPosix
import Synchronization

/// Runs a loaded pipeline end to end: creates the event loop and the event
/// log, drives the scheduler, and returns what happened.
///
/// Everything a run writes (the event log, the console) is written by child
/// tasks of ``run(console:interrupter:)``, which waits for them: when it
/// returns, the log is complete and the output flushed.
public struct PipelineRunner: Sendable {
    public let pipeline: Pipeline
    public let options: RunOptions

    public init(pipeline: Pipeline, options: RunOptions = RunOptions()) {
        self.pipeline = pipeline
        self.options = options
    }

    /// What a finished run reports to its caller.
    public struct Report: Sendable {
        public var runID: String
        public var status: RunFinished.Status
        public var record: RunRecord
        public var eventLogPath: String
        /// The end of each step's output (see ``StepOutputTails``).
        public var outputs: [StepID: CapturedOutput]
        /// Set when the event log could not be written completely (a full
        /// disk): it ends at its last whole event.
        public var eventLogFailure: EventLogError?

        /// 0 when every step succeeded (or failed with `continue-on-error`),
        /// 1 when a step failed, 130 when interrupted.
        public var exitCode: Int32 {
            switch status {
            case .success: return 0
            case .failure: return 1
            case .interrupted: return 130
            }
        }
    }

    /// Starts the guardian that kills Taskloop's process groups should
    /// Taskloop die (see ``ProcessGuardian``), if it is not running yet.
    ///
    /// The guardian is a fork without exec, so every page the two processes
    /// share becomes copy-on-write, and each first write to one afterwards
    /// costs a fault and a TLB shoot-down on every core the loop's threads
    /// ran on. Started before the pipeline is loaded, while the process is
    /// small and has one thread, it shares a few pages; started at the first
    /// shell step, it shares the whole loaded pipeline. A program that never
    /// calls this starts the guardian at its first child process.
    public static func startProcessGuardian() {
        _ = ProcessGuardian.socket
    }

    /// Runs the pipeline on a new single-threaded event loop.
    /// - Parameters:
    ///   - console: how step output and progress are printed; nil prints nothing.
    ///   - interrupter: fire it (from a signal handler) to stop the run.
    public func run(console: ConsoleOptions?, interrupter: RunInterrupter = RunInterrupter()) async throws -> Report {
        let fileLimit = OpenFileLimit.raise()
        guard fileLimit >= OpenFileLimit.minimum else { throw OpenFileLimit.TooLow(limit: fileLimit) }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            let report = try await run(on: group.next(), console: console, interrupter: interrupter)
            try await group.shutdownGracefully()
            return report
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    package func run(on eventLoop: any EventLoop, console consoleOptions: ConsoleOptions?, interrupter: RunInterrupter) async throws -> Report {
        // As many descriptors as the hard limit allows; if even that is too
        // few for `limits.io`, fewer I/O steps run at once (said below).
        var pipeline = pipeline
        let fileLimit = OpenFileLimit.raise()
        let hasCPUSteps = pipeline.steps.contains(where: \.runsInWorker)
        let workerCount = hasCPUSteps ? pipeline.limits.workers ?? Limits.defaultWorkers : 0
        let ioWithinFileLimit = OpenFileLimit.ioSteps(within: fileLimit, workers: workerCount)
        let requestedIO = pipeline.limits.io
        if ioWithinFileLimit < requestedIO { pipeline.limits.io = ioWithinFileLimit }
        // Workers start only for pipelines with CPU steps, once per run, and
        // are reused. They start first: a worker takes milliseconds to say
        // hello, which the run's set-up (the event log, the steps'
        // fingerprints) spends on the other core instead of before the first
        // CPU step. The pool outlives the run's body: it is shut down when
        // the scheduler is done, or when the set-up fails.
        let workerPool = hasCPUSteps
            ? WorkerPool(
                size: workerCount, launch: pipeline.workerLaunch(options.workerLaunch),
                eventLoop: eventLoop, startTimeout: options.workerStartTimeout)
            : nil
        return try await withThrowingTaskGroup(of: Void.self) { workers in
            if let workerPool {
                workers.addTask(executorPreference: EventLoopTaskExecutor(eventLoop: eventLoop)) { await workerPool.run() }
            }
            do {
                return try await run(
                    pipeline, on: eventLoop, workerPool: workerPool, fileLimit: fileLimit, requestedIO: requestedIO,
                    console: consoleOptions, interrupter: interrupter)
            } catch {
                await workerPool?.shutdown()
                throw error
            }
        }
    }

    /// The run itself, once its workers (if any) are starting; shuts the
    /// pool down once the scheduler is done.
    private func run(
        _ pipeline: Pipeline, on eventLoop: any EventLoop, workerPool: WorkerPool?, fileLimit: Int, requestedIO: Int,
        console consoleOptions: ConsoleOptions?, interrupter: RunInterrupter
    ) async throws -> Report {
        let runID = options.runID ?? Self.makeRunID(at: .now)
        let eventLogPath = options.eventLogPath
            ?? StepContext.resolve(".taskloop/runs/\(runID)/events.jsonl", against: pipeline.directory)
        let eventLog = try await EventLogWriter.create(at: eventLogPath, eventLoop: eventLoop)
        // The run's clock starts once its log exists: offsets measure the run, not the set-up.
        let clock = RunClock()
        let wallClockStart = UTCTimestamp.now
        let recorder = RunRecorder()
        let outputTails = StepOutputTails()
        let console = consoleOptions.map { ConsoleReporter(options: $0, eventLoop: eventLoop) }
        let masker = SecretMasker(pipeline: pipeline, environment: ProcessEnvironment.atStart)
        let writers: [any RunObserver] = [recorder, outputTails, eventLog] + (console.map { [$0] } ?? [])
        // With secrets, everything reaches the writers through the masker.
        var observers: [any RunObserver] = masker.isEmpty ? writers : [MaskingObserver(masker: masker, observers: writers)]
        let sinks = observers
        let monitor = LoopLagMonitor(eventLoop: eventLoop, clock: clock, threshold: options.loopStallThreshold) { payload in
            let event = TimelineEvent(time: clock.microsecondsSinceStart(), payload)
            for sink in sinks { sink.observe(event) }
        }
        observers.append(monitor)
        let httpClient = SharedHTTPClient(
            eventLoop: eventLoop, connectionsPerHost: pipeline.limits.io, stallLimit: options.httpStallLimit)
        let incremental = try await openIncrementalEngine()
        let scheduler = Scheduler(
            pipeline: pipeline, options: options, eventLoop: eventLoop, observers: observers, clock: clock,
            httpClient: httpClient, runDirectory: Self.absolute((eventLogPath as NSString).deletingLastPathComponent),
            workerPool: workerPool, loopLagMonitor: monitor, incremental: incremental.map { IncrementalHook(engine: $0) })

        if let console, consoleOptions?.progress == .live {
            interrupter.setAnnouncer { notice in console.print(notice) }
        }
        defer { interrupter.setAnnouncer(nil) }
        if pipeline.limits.io < requestedIO {
            console?.print(OpenFileLimit.cappedNotice(io: pipeline.limits.io, requested: requestedIO, limit: fileLimit))
        }
        let digests = await StepFingerprint.digests(of: pipeline)
        let started = runStarted(runID: runID, at: wallClockStart, pipeline: pipeline, digests: digests)
        let report = await withTaskGroup(of: Void.self) { writers in
            writers.addTask { await eventLog.run() }
            if let console { writers.addTask { await console.run() } }

            let event = TimelineEvent(time: clock.microsecondsSinceStart(), .runStarted(started))
            for observer in observers { observer.observe(event) }
            let finished = await scheduler.run(interruption: interrupter.signal)
            await workerPool?.shutdown()
            if let incremental { _ = try? await NIOThreadPool.singleton.runIfActive { incremental.close() } }
            let record = recorder.current
            if let console, let consoleOptions {
                console.closeStatus()
                console.print(endOfRunText(record, outputs: outputTails.captured, eventLogPath: eventLogPath, options: consoleOptions))
            }
            eventLog.finish()
            console?.finish()
            await writers.waitForAll()
            return Report(
                runID: runID, status: finished.status, record: record, eventLogPath: eventLogPath,
                outputs: outputTails.captured, eventLogFailure: eventLog.failure)
        }
        await httpClient.shutdown()
        return report
    }

    /// The cache of the pipeline's folder, when some step has `sources:` or
    /// `generates:` (opened on the thread pool: it reads the stat cache).
    private func openIncrementalEngine() async throws -> IncrementalEngine? {
        guard IncrementalEngine.isNeeded(for: pipeline) else { return nil }
        let pipeline = pipeline
        let options = options.incremental
        return try await NIOThreadPool.singleton.runIfActive {
            try IncrementalEngine(pipeline: pipeline, options: options, environment: ProcessEnvironment.atStart)
        }
    }

    /// The summary table, the terminal Gantt (not in quiet mode), and last the
    /// failures with their output.
    private func endOfRunText(
        _ record: RunRecord, outputs: [StepID: CapturedOutput], eventLogPath: String, options: ConsoleOptions
    ) -> String {
        var blocks = ["\n" + RunSummary(record: record).render()]
        if options.verbosity != .quiet {
            blocks.append(TextGantt(record: record, width: options.width, style: options.usesColor ? .color : .plain).render())
        }
        let failures = FailureSummary(record: record, outputs: outputs, usesColor: options.usesColor).render()
        if !failures.isEmpty { blocks.append(failures) }
        return blocks.joined(separator: "\n\n") + "\nevents: \(eventLogPath)"
    }

    /// This machine's name, from `gethostname` (no name-service lookup).
    static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `path` made absolute against the current folder, so that it still
    /// names the same place from a step's `cwd`.
    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        let base = FileManager.default.currentDirectoryPath
        return path.isEmpty || path == "." ? base : base + "/" + path
    }

    /// `digests`: each step's ``StepFingerprint``, in the pipeline's order.
    private func runStarted(runID: String, at start: UTCTimestamp, pipeline: Pipeline, digests: [String]) -> RunStarted {
        RunStarted(
            runID: runID, pipeline: pipeline.name, file: pipeline.file,
            startedAt: start.iso8601, startedAtUnixMicroseconds: start.unixMicroseconds,
            parameters: pipeline.parameters, host: Self.hostName,
            pid: ProcessInfo.processInfo.processIdentifier, version: taskloopVersion,
            policy: options.policy, ioLimit: pipeline.limits.io, pools: pipeline.limits.pools,
            steps: zip(pipeline.steps, digests).map { step, digest in
                RunStarted.StepDeclaration(
                    id: step.id, kind: step.kindName, detail: step.action.detail,
                    needs: step.needs.map(\.id), pool: step.pool,
                    file: step.location.file == pipeline.file ? nil : step.location.file,
                    line: step.location.line, column: step.location.column,
                    continueOnError: step.continueOnError ? true : nil,
                    digest: digest)
            },
            filePath: RunHistory.identity(ofFile: pipeline.file),
            resumedFrom: options.selection?.resumedFrom)
    }

    /// `20261125-140512-3f9a`: sortable by start time, unique enough for one folder.
    static func makeRunID(at start: UTCTimestamp) -> String {
        start.compact + "-" + String(zeroPadded: UInt16.random(in: 0...UInt16.max), digits: 4, radix: 16)
    }
}

/// Stops a run from outside (a signal handler, a test): nothing new starts and
/// running steps are cancelled. Firing it more than once does nothing more.
public final class RunInterrupter: Sendable {
    let signal = StopSignal()
    /// Prints a notice through the run's console while it draws live progress.
    private let announcer = Mutex<(@Sendable (String) -> Void)?>(nil)

    public init() {}

    public func interrupt() { signal.fire(.cancelled) }

    /// Returns once the run is interrupted (for `run --watch` between runs).
    package func waitForInterruption() async {
        _ = await signal.wait()
    }

    /// Interrupts the run, printing `notice` through its console when that
    /// console draws live progress on a terminal. Returns whether it did; if
    /// not, the caller shows the notice itself (on stderr).
    public func interrupt(announcing notice: String) -> Bool {
        let announce = announcer.withLock { $0 }
        announce?(notice)
        interrupt()
        return announce != nil
    }

    /// While a live console runs, notices go through it.
    func setAnnouncer(_ announce: (@Sendable (String) -> Void)?) {
        announcer.withLock { $0 = announce }
    }
}

/// This build's version, as `taskloop --version` prints it and event logs record it.
public let taskloopVersion = "0.1.0"
