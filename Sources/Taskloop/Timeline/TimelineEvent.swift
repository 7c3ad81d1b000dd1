/// One line of a run's event log: what happened, and when, in microseconds
/// since the run started (monotonic clock).
///
/// The event log is the single record of a run: the summary, and any report or
/// trace drawn later, are computed from these events alone.
public struct TimelineEvent: Sendable, Hashable, Codable {
    public enum Payload: Sendable, Hashable {
        case runStarted(RunStarted)
        case stepQueued(StepQueued)
        case stepStarted(StepStarted)
        case stepRunning(StepRunning)
        case stepFinished(StepFinished)
        case stepSkipped(StepSkipped)
        case stepReused(StepReused)
        case stepChecked(StepChecked)
        case runFinished(RunFinished)
        case loopLag(LoopLag)
        case loopStall(LoopStall)
    }

    /// Microseconds since the run started.
    public var time: Int64
    public var payload: Payload
    /// Where the step the event is about stands in the run's steps (the
    /// pipeline's order, as `run-started` declares them), when the scheduler
    /// knows: a hint that spares observers a lookup by id, which a run of
    /// many short steps pays several times a step. Not part of the event: it
    /// is not written to the log, and equality ignores it.
    package var stepIndex: Int?

    public init(time: Int64, _ payload: Payload) {
        self.time = time
        self.payload = payload
    }

    package init(time: Int64, _ payload: Payload, stepIndex: Int?) {
        self.time = time
        self.payload = payload
        self.stepIndex = stepIndex
    }

    public static func == (lhs: TimelineEvent, rhs: TimelineEvent) -> Bool {
        lhs.time == rhs.time && lhs.payload == rhs.payload
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(time)
        hasher.combine(payload)
    }

    private enum CodingKeys: String, CodingKey {
        case time = "t"
        case event
    }

    /// The `event` field of each kind of line.
    private enum Name: String, Codable {
        case runStarted = "run-started"
        case stepQueued = "step-queued"
        case stepStarted = "step-started"
        case stepRunning = "step-running"
        case stepFinished = "step-finished"
        case stepSkipped = "step-skipped"
        case stepReused = "step-reused"
        case stepChecked = "step-checked"
        case runFinished = "run-finished"
        case loopLag = "loop-lag"
        case loopStall = "loop-stall"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(time, forKey: .time)
        switch payload {
        case .runStarted(let value):
            try container.encode(Name.runStarted, forKey: .event)
            try value.encode(to: encoder)
        case .stepQueued(let value):
            try container.encode(Name.stepQueued, forKey: .event)
            try value.encode(to: encoder)
        case .stepStarted(let value):
            try container.encode(Name.stepStarted, forKey: .event)
            try value.encode(to: encoder)
        case .stepRunning(let value):
            try container.encode(Name.stepRunning, forKey: .event)
            try value.encode(to: encoder)
        case .stepFinished(let value):
            try container.encode(Name.stepFinished, forKey: .event)
            try value.encode(to: encoder)
        case .stepSkipped(let value):
            try container.encode(Name.stepSkipped, forKey: .event)
            try value.encode(to: encoder)
        case .stepReused(let value):
            try container.encode(Name.stepReused, forKey: .event)
            try value.encode(to: encoder)
        case .stepChecked(let value):
            try container.encode(Name.stepChecked, forKey: .event)
            try value.encode(to: encoder)
        case .runFinished(let value):
            try container.encode(Name.runFinished, forKey: .event)
            try value.encode(to: encoder)
        case .loopLag(let value):
            try container.encode(Name.loopLag, forKey: .event)
            try value.encode(to: encoder)
        case .loopStall(let value):
            try container.encode(Name.loopStall, forKey: .event)
            try value.encode(to: encoder)
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        time = try container.decode(Int64.self, forKey: .time)
        switch try container.decode(Name.self, forKey: .event) {
        case .runStarted: payload = .runStarted(try RunStarted(from: decoder))
        case .stepQueued: payload = .stepQueued(try StepQueued(from: decoder))
        case .stepStarted: payload = .stepStarted(try StepStarted(from: decoder))
        case .stepRunning: payload = .stepRunning(try StepRunning(from: decoder))
        case .stepFinished: payload = .stepFinished(try StepFinished(from: decoder))
        case .stepSkipped: payload = .stepSkipped(try StepSkipped(from: decoder))
        case .stepReused: payload = .stepReused(try StepReused(from: decoder))
        case .stepChecked: payload = .stepChecked(try StepChecked(from: decoder))
        case .runFinished: payload = .runFinished(try RunFinished(from: decoder))
        case .loopLag: payload = .loopLag(try LoopLag(from: decoder))
        case .loopStall: payload = .loopStall(try LoopStall(from: decoder))
        }
    }
}

/// The first event: what ran, where, with which settings, and the whole
/// plan (every step with its needs), so a report needs nothing else.
public struct RunStarted: Sendable, Hashable, Codable {
    public struct StepDeclaration: Sendable, Hashable, Codable {
        public var id: StepID
        public var kind: String
        /// The command, path or duration: what a report shows on hover.
        public var detail: String
        public var needs: [StepID]
        public var pool: String?
        /// The file that declares the step, when it is not the pipeline file
        /// itself (a step merged from an included file).
        public var file: String?
        public var line: Int
        public var column: Int
        /// `true` when a failure of the step does not fail the run; absent otherwise.
        public var continueOnError: Bool?
        /// The step's ``StepFingerprint``: a resumed run reuses the step only
        /// while it is unchanged. Absent in logs of older versions.
        public var digest: String?

        private enum CodingKeys: String, CodingKey {
            case id, kind, detail, needs, pool, file, line, column
            case continueOnError = "continue_on_error"
            case digest
        }
    }

    public var runID: String
    public var pipeline: String
    public var file: String
    /// Wall-clock start, ISO 8601 in UTC.
    public var startedAt: String
    /// Wall-clock start in microseconds since 1970.
    public var startedAtUnixMicroseconds: Int64
    public var parameters: [String: String]
    public var host: String
    public var pid: Int32
    public var version: String
    public var policy: FailurePolicy
    public var ioLimit: Int
    public var pools: [String: Int]
    public var steps: [StepDeclaration]
    /// The pipeline file's absolute path, symbolic links resolved: how
    /// `--resume` finds the runs of one file. Absent in logs of older versions.
    public var filePath: String?
    /// The run this one resumes (`--resume`), if any.
    public var resumedFrom: String?

    private enum CodingKeys: String, CodingKey {
        case runID = "run_id"
        case pipeline, file
        case filePath = "file_path"
        case resumedFrom = "resumed_from"
        case startedAt = "started_at"
        case startedAtUnixMicroseconds = "started_at_unix_us"
        case parameters, host, pid, version, policy
        case ioLimit = "io_limit"
        case pools, steps
    }
}

/// A step's needs are all satisfied: it waits for capacity (`limits.io`, its pool).
public struct StepQueued: Sendable, Hashable, Codable {
    public var step: StepID
}

public struct StepStarted: Sendable, Hashable, Codable {
    public var step: StepID
    public var attempt: Int
    /// Where it runs: `loop` for the event loop.
    public var lane: String
}

/// The step's process began to run where its executor placed it: for a step
/// on Slurm, its job (or job step) left Slurm's queue and its task started on
/// a node. From the attempt's `step-started` to this event the step waited in
/// that queue, not running. Written only for steps on an executor with a
/// queue (format version 3).
public struct StepRunning: Sendable, Hashable, Codable {
    public var step: StepID
    public var attempt: Int
    /// Where it runs now: `vm · job 12`, or `vm · job 12.3` for a job step
    /// inside an allocation.
    public var lane: String
    /// Whose queue it waited in: `slurm`.
    public var queue: String

    /// The queue as people write it: `Slurm`.
    public var queueName: String { Self.displayName(ofQueue: queue) }

    /// An executor's queue (`slurm`) as people write it (`Slurm`).
    public static func displayName(ofQueue queue: String) -> String { queue == "slurm" ? "Slurm" : queue }

    public init(step: StepID, attempt: Int, lane: String, queue: String) {
        self.step = step
        self.attempt = attempt
        self.lane = lane
        self.queue = queue
    }
}

public struct StepFinished: Sendable, Hashable, Codable {
    public var step: StepID
    public var attempt: Int
    public var lane: String
    public var status: StepStatus
    public var exitCode: Int32?
    /// Why it failed or was cancelled, in one sentence.
    public var error: String?
    /// Context for the error: the last lines of stderr, for instance.
    public var details: [String]?
    public var outputs: StepOutputs?
    /// Set when this attempt failed and another follows after this many microseconds.
    public var retryDelay: Int64?
    /// `true` when a secret was masked in `outputs`: they are not the real
    /// values, so `--resume` runs the step again rather than reuse them.
    public var outputsMasked: Bool?

    private enum CodingKeys: String, CodingKey {
        case step, attempt, lane, status
        case exitCode = "exit_code"
        case error, details, outputs
        case retryDelay = "retry_in_us"
        case outputsMasked = "outputs_masked"
    }
}

public struct StepSkipped: Sendable, Hashable, Codable {
    public var step: StepID
    public var reason: String
}

/// A resumed run does not run this step: it succeeded in an earlier run, and
/// its outputs stand in for it. Written at the start, before anything runs.
public struct StepReused: Sendable, Hashable, Codable {
    public var step: StepID
    /// The run in which the step actually ran.
    public var fromRun: String
    public var outputs: StepOutputs?

    private enum CodingKeys: String, CodingKey {
        case step
        case fromRun = "from_run"
        case outputs
    }
}

public struct RunFinished: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable {
        case success
        case failure
        case interrupted
    }

    public var status: Status
    /// Why the run ended early, when it did ("the pipeline's timeout of 10m was reached").
    public var reason: String?
    public var succeeded: Int
    public var failed: Int
    public var cancelled: Int
    public var skipped: Int
    /// Steps reused from an earlier run (not counted in the others); absent
    /// when none were.
    public var reused: Int?
    /// Steps with `sources:` that were up to date, and that were restored
    /// from the cache (not counted in the others); absent when none were.
    public var upToDate: Int?
    public var restored: Int?

    private enum CodingKeys: String, CodingKey {
        case status, reason, succeeded, failed, cancelled, skipped, reused
        case upToDate = "up_to_date"
        case restored
    }
}

/// How late the event loop ran its ticks over the last window (written about
/// once a second): the lag series of the loop-lag monitor.
public struct LoopLag: Sendable, Hashable, Codable {
    public var ticks: Int
    /// The largest lateness of a tick in the window, in microseconds.
    public var maximum: Int64
    /// The 99th percentile of lateness in the window, in microseconds.
    public var p99: Int64

    private enum CodingKeys: String, CodingKey {
        case ticks
        case maximum = "max_us"
        case p99 = "p99_us"
    }
}

/// Code on the loop held it longer than the threshold: the loop ran a tick
/// `duration` late, while these steps were running on it.
public struct LoopStall: Sendable, Hashable, Codable {
    /// Microseconds the tick was late.
    public var duration: Int64
    public var steps: [StepID]

    private enum CodingKeys: String, CodingKey {
        case duration = "duration_us"
        case steps
    }
}
