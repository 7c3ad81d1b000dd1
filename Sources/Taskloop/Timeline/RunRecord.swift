/// A run as its events describe it: per step when it was queued, started and
/// finished, and how it ended. Built live by the scheduler's recorder, or
/// from an event log afterwards; every summary and report reads this.
public struct RunRecord: Sendable {
    /// An attempt of a step that failed and was retried.
    public struct EarlierAttempt: Sendable, Hashable {
        public var attempt: Int
        public var start: Int64
        public var end: Int64
        public var lane: String
        public var error: String?
        /// When it began to run after waiting in its executor's queue (Slurm), if it did.
        public var runningAt: Int64?
    }

    public struct StepRecord: Sendable, Hashable {
        public var id: StepID
        public var kind: String
        public var detail: String
        /// The file that declares the step (the pipeline file, or one it includes).
        public var file: String
        public var line: Int
        public var column: Int
        /// A failure of this step does not fail the run (`continue-on-error: true`).
        public var continueOnError = false
        public var queuedAt: Int64?
        public var startedAt: Int64?
        /// When the last attempt began to run on its executor after waiting
        /// in the executor's queue (`step-running`: Slurm); nil for a step
        /// that waited in no such queue.
        public var runningAt: Int64?
        /// Whose queue that was: `slurm`.
        public var executorQueue: String?
        public var finishedAt: Int64?
        public var status: StepStatus?
        public var lane: String?
        public var exitCode: Int32?
        public var error: String?
        public var details: [String] = []
        /// The outputs of the last attempt.
        public var outputs: StepOutputs?
        /// Whether a secret was masked in `outputs` (they are not the real values).
        public var outputsMasked = false
        public var skipReason: String?
        /// Set when the step did not run because an earlier run's success is
        /// reused (`--resume`): the id of the run where it ran. Its status is
        /// then `success`, and it has no times.
        public var reusedFrom: String?
        /// Set when a step with `sources:` did not run because it was up to
        /// date or restored from the cache; its status is then `success`, and
        /// it has no times.
        public var checked: StepChecked.Outcome?
        /// Why the step ran, was up to date or was restored (steps with `sources:`).
        public var checkReason: String?
        /// Attempts before the last, when the step was retried.
        public var earlierAttempts: [EarlierAttempt] = []
        /// How many times the step ran.
        public var attempts: Int { earlierAttempts.count + (startedAt == nil ? 0 : 1) }

        /// Whether the step had started but not ended when the log ends: the
        /// run was killed (or is still going) while it ran.
        public var isRunningAtEnd: Bool { startedAt != nil && status == nil && reusedFrom == nil }

        /// How long the last attempt waited in its executor's queue, in
        /// microseconds: from its start to ``runningAt``, or to its end when
        /// its job never started. Part of ``duration``.
        public var executorQueueWait: Int64? {
            guard let startedAt else { return nil }
            if let runningAt { return max(0, runningAt - startedAt) }
            guard executorQueue != nil, let finishedAt else { return nil }
            return max(0, finishedAt - startedAt)
        }

        /// Where the last attempt's own run begins, for an attempt that ended
        /// (or was cut off) at `end`: after its executor's queue (`end` itself
        /// when its job never started), else at its start.
        public func runStart(until end: Int64) -> Int64? {
            guard let startedAt else { return nil }
            if let runningAt { return max(startedAt, min(runningAt, end)) }
            return executorQueue != nil ? max(startedAt, end) : startedAt
        }

        /// The executor's queue as people write it: `Slurm`.
        public var executorQueueName: String {
            StepRunning.displayName(ofQueue: executorQueue ?? "slurm")
        }

        /// Run time in microseconds, for steps that started and finished.
        public var duration: Int64? {
            guard let startedAt, let finishedAt else { return nil }
            return finishedAt - startedAt
        }
    }

    public private(set) var started: RunStarted?
    public private(set) var finished: RunFinished?
    public private(set) var finishedAt: Int64?
    /// The time of the last event: where the log ends.
    public private(set) var lastEventAt: Int64 = 0
    /// Steps in file order.
    public private(set) var steps: [StepRecord] = []
    private var indexOfStep: [StepID: Int] = [:]
    /// The loop-lag series: when each window ended, and its figures.
    public private(set) var lagSamples: [(time: Int64, lag: LoopLag)] = []
    /// Times the loop was blocked past the threshold, and by which steps.
    public private(set) var stalls: [(time: Int64, stall: LoopStall)] = []

    public init() {}

    /// Whether the step did not run in this run: reused from an earlier run,
    /// up to date, or restored from the cache.
    public static func didNotRun(_ step: StepRecord) -> Bool {
        step.reusedFrom != nil || step.checked != nil
    }

    public init(events: [TimelineEvent]) {
        for event in events { apply(event) }
    }

    public mutating func apply(_ event: TimelineEvent) {
        lastEventAt = max(lastEventAt, event.time)
        switch event.payload {
        case .runStarted(let started):
            self.started = started
            steps = started.steps.map {
                StepRecord(
                    id: $0.id, kind: $0.kind, detail: $0.detail, file: $0.file ?? started.file,
                    line: $0.line, column: $0.column, continueOnError: $0.continueOnError ?? false)
            }
            indexOfStep = Dictionary(steps.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        case .stepQueued(let queued):
            update(queued.step, at: event.stepIndex) { $0.queuedAt = event.time }
        case .stepStarted(let started):
            update(started.step, at: event.stepIndex) {
                $0.startedAt = event.time
                $0.runningAt = nil
                // A step on Slurm starts queued there (its lane says so).
                $0.executorQueue = started.lane == "slurm" ? "slurm" : nil
                $0.lane = started.lane
            }
        case .stepRunning(let running):
            update(running.step, at: event.stepIndex) {
                guard $0.startedAt != nil, $0.attempts == running.attempt else { return }
                $0.runningAt = event.time
                $0.executorQueue = running.queue
                $0.lane = running.lane
            }
        case .stepFinished(let finished) where finished.retryDelay != nil:
            update(finished.step, at: event.stepIndex) {
                $0.earlierAttempts.append(EarlierAttempt(
                    attempt: finished.attempt, start: $0.startedAt ?? event.time, end: event.time, lane: finished.lane, error: finished.error,
                    runningAt: $0.runningAt ?? ($0.executorQueue != nil ? event.time : nil)))
                $0.runningAt = nil
            }
        case .stepFinished(let finished):
            update(finished.step, at: event.stepIndex) {
                $0.finishedAt = event.time
                // The run stopped while this attempt waited to be retried: it is the last one after all.
                if let waited = $0.earlierAttempts.last, waited.attempt == finished.attempt {
                    $0.earlierAttempts.removeLast()
                    $0.finishedAt = waited.end
                    $0.runningAt = waited.runningAt
                }
                $0.status = finished.status
                $0.lane = finished.lane
                $0.exitCode = finished.exitCode
                $0.error = finished.error
                $0.details = finished.details ?? []
                $0.outputs = finished.outputs
                $0.outputsMasked = finished.outputsMasked ?? false
            }
        case .stepSkipped(let skipped):
            update(skipped.step, at: event.stepIndex) {
                $0.status = .skipped
                $0.skipReason = skipped.reason
            }
        case .stepReused(let reused):
            update(reused.step, at: event.stepIndex) {
                $0.status = .success
                $0.reusedFrom = reused.fromRun
                $0.outputs = reused.outputs
            }
        case .stepChecked(let checked):
            update(checked.step, at: event.stepIndex) {
                $0.checkReason = checked.reason
                guard checked.outcome != .run else { return }
                $0.checked = checked.outcome
                $0.status = .success
                $0.outputs = checked.outputs
            }
        case .runFinished(let finished):
            self.finished = finished
            self.finishedAt = event.time
        case .loopLag(let lag):
            lagSamples.append((event.time, lag))
        case .loopStall(let stall):
            stalls.append((event.time, stall))
        }
    }

    private mutating func update(_ id: StepID, at hint: Int?, _ change: (inout StepRecord) -> Void) {
        if let hint, steps.indices.contains(hint), steps[hint].id == id {
            change(&steps[hint])
            return
        }
        guard let index = indexOfStep[id] else { return }
        change(&steps[index])
    }

    /// When a step's run ended: its finish, or for a step still running when
    /// the log ends (a killed run), the log's last event.
    public func end(of step: StepRecord) -> Int64? {
        step.finishedAt ?? (step.isRunningAtEnd ? lastEventAt : nil)
    }

    /// From the first step's start to the last step's end, in microseconds;
    /// a step running when the log ends runs to the log's last event.
    public var makespan: Int64 {
        // By index: a step record is a large value, and this runs at the end
        // of every run over every step; reading a field copies no record.
        var first: Int64?
        var last: Int64?
        for index in steps.indices {
            // A retried step's first attempt started before its last.
            if let start = steps[index].earlierAttempts.first?.start ?? steps[index].startedAt { first = min(first ?? start, start) }
            if let end = end(of: steps[index]) { last = max(last ?? end, end) }
        }
        guard let first, let last else { return 0 }
        return last - first
    }

    /// The sum of every step's run time, in microseconds (a step running when
    /// the log ends counts up to the log's last event).
    public var totalStepTime: Int64 {
        var sum: Int64 = 0
        for index in steps.indices {
            guard let started = steps[index].startedAt, let end = end(of: steps[index]) else { continue }
            sum += end - started
        }
        return sum
    }

    /// The index in ``steps`` of the step `id` (the first, should ids repeat).
    func index(of id: StepID) -> Int? {
        indexOfStep[id]
    }

    /// What the step at `index` of ``steps`` needs, as the run's start recorded it.
    func needs(ofStepAt index: Int) -> [StepID] {
        // `steps` is made from the start's steps, in their order.
        guard let started, started.steps.indices.contains(index) else { return [] }
        return started.steps[index].needs
    }

    /// How many steps ran at once on average: total step time over makespan.
    public var achievedConcurrency: Double {
        Self.concurrency(stepTime: totalStepTime, makespan: makespan)
    }

    /// Total step time over makespan; 0 for a run that took no time.
    static func concurrency(stepTime: Int64, makespan: Int64) -> Double {
        makespan > 0 ? Double(stepTime) / Double(makespan) : 0
    }
}
