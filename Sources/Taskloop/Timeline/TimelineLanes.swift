import HeapModule

/// Where each step of a run is drawn: steps on the event loop spread over as
/// many lanes as ran at once (no two bars in a lane overlap, which trace
/// viewers require), CPU steps on the lane of the worker that ran them, and
/// waits for capacity or a worker on lanes of their own, after their group's
/// (so a run of 2,000 steps, 64 at a time, has 64 loop lanes, not one per
/// waiting step).
public struct TimelineLanes: Sendable {
    public enum Group: String, Sendable, Hashable {
        case loop = "event loop"
        case workers = "worker pool"
    }

    public struct Lane: Sendable, Hashable {
        public var group: Group
        /// 1-based within its group.
        public var number: Int
        public var name: String
        /// A lane of waits (for capacity, a pool or a worker), not of runs.
        public var isQueue: Bool { number > TimelineLanes.queueLaneOffset }
    }

    /// Queue lanes are numbered after this, within their group.
    static let queueLaneOffset = 1_000_000

    /// A bar: a step's run (or its queue wait) on a lane.
    public struct Bar: Sendable, Hashable {
        public var step: StepID
        public var lane: Lane
        public var start: Int64
        public var end: Int64
        public var isQueueWait: Bool
        /// For a retried step's earlier attempts: which attempt (they failed).
        public var earlierAttempt: Int?
        /// The part of a run spent in its executor's queue (Slurm), before
        /// its process started: on the step's own lane, just before the bar
        /// of the run itself, which then starts where this one ends.
        public var isExecutorQueue = false
    }

    public private(set) var lanes: [Lane] = []
    public private(set) var bars: [Bar] = []

    /// A worker's lane as steps record it: `worker-N`, or on an executor
    /// `worker-N · host · job J`; its row is N, its name says the rest.
    static func worker(_ lane: String) -> (number: Int, name: String)? {
        guard lane.hasPrefix("worker-") else { return nil }
        let rest = lane.dropFirst("worker-".count)
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        guard let number = Int(digits) else { return nil }
        return (number, "worker \(number)" + rest.dropFirst(digits.count))
    }

    public init(record: RunRecord) {
        var loopLanes = LaneAllocator(), loopQueueLanes = LaneAllocator(), workerQueueLanes = LaneAllocator()
        // Each worker row, named as its latest run names it (a replaced
        // worker on an executor runs in a new job).
        var workerLanes: [Int: (name: String, since: Int64)] = [:]
        func note(_ worker: (number: Int, name: String), at start: Int64) {
            if let known = workerLanes[worker.number], known.since > start { return }
            workerLanes[worker.number] = (worker.name, start)
        }
        // Intervals to place on lanes, each kind placed in order of its start.
        var loopRuns: [(step: StepID, start: Int64, end: Int64, attempts: [RunRecord.EarlierAttempt], lastStart: Int64, runningAt: Int64?)] = []
        var loopWaits: [(step: StepID, start: Int64, end: Int64)] = []
        var workerWaits: [(step: StepID, start: Int64, end: Int64)] = []
        let offset = Self.queueLaneOffset
        for step in record.steps {
            guard let started = step.startedAt, let finished = step.finishedAt else { continue }
            let firstStart = step.earlierAttempts.first?.start ?? started
            // A wait under a millisecond is the scheduler's own turn, not a queue.
            let queued = firstStart - (step.queuedAt ?? firstStart) < 1000 ? firstStart : min(step.queuedAt ?? firstStart, firstStart)
            if let lane = step.lane, let worker = Self.worker(lane) {
                note(worker, at: started)
                bars += Self.runBars(step.id, Lane(group: .workers, number: worker.number, name: worker.name), started, finished, runningAt: step.runStart(until: finished))
                for (index, earlier) in step.earlierAttempts.enumerated() {
                    guard let worker = Self.worker(earlier.lane) else { continue }
                    note(worker, at: earlier.start)
                    bars += Self.runBars(step.id, Lane(group: .workers, number: worker.number, name: worker.name), earlier.start, earlier.end, runningAt: earlier.runningAt, earlierAttempt: index + 1)
                }
                if queued < firstStart { workerWaits.append((step.id, queued, firstStart)) }
            } else {
                // A loop step's lane holds all its attempts; its wait for capacity goes on a queue lane.
                loopRuns.append((step.id, firstStart, finished, step.earlierAttempts, started, step.runStart(until: finished)))
                if queued < firstStart { loopWaits.append((step.id, queued, firstStart)) }
            }
        }
        for run in loopRuns.sorted(by: { ($0.start, $0.step) < ($1.start, $1.step) }) {
            let row = loopLanes.place(run.start, run.end)
            let lane = Lane(group: .loop, number: row, name: "loop lane \(row)")
            bars += Self.runBars(run.step, lane, run.lastStart, run.end, runningAt: run.runningAt)
            for (index, earlier) in run.attempts.enumerated() {
                bars += Self.runBars(run.step, lane, earlier.start, earlier.end, runningAt: earlier.runningAt, earlierAttempt: index + 1)
            }
        }
        for wait in loopWaits.sorted(by: { ($0.start, $0.step) < ($1.start, $1.step) }) {
            let row = loopQueueLanes.place(wait.start, wait.end)
            bars.append(Bar(step: wait.step, lane: Lane(group: .loop, number: offset + row, name: "waiting \(row)"), start: wait.start, end: wait.end, isQueueWait: true))
        }
        for wait in workerWaits.sorted(by: { ($0.start, $0.step) < ($1.start, $1.step) }) {
            let row = workerQueueLanes.place(wait.start, wait.end)
            bars.append(Bar(step: wait.step, lane: Lane(group: .workers, number: offset + row, name: "queue \(row)"), start: wait.start, end: wait.end, isQueueWait: true))
        }
        lanes = (0..<loopLanes.count).map { Lane(group: .loop, number: $0 + 1, name: "loop lane \($0 + 1)") }
        lanes += (0..<loopQueueLanes.count).map { Lane(group: .loop, number: offset + 1 + $0, name: "waiting \($0 + 1)") }
        for index in bars.indices where bars[index].lane.group == .workers && !bars[index].lane.isQueue {
            bars[index].lane.name = workerLanes[bars[index].lane.number]?.name ?? bars[index].lane.name
        }
        lanes += workerLanes.keys.sorted().map { Lane(group: .workers, number: $0, name: workerLanes[$0]!.name) }
        lanes += (0..<workerQueueLanes.count).map { Lane(group: .workers, number: offset + 1 + $0, name: "queue \($0 + 1)") }
    }
}

extension TimelineLanes {
    /// An attempt's bar, or two when it waited in its executor's queue: the
    /// wait, then the run from when its process started.
    static func runBars(_ step: StepID, _ lane: Lane, _ start: Int64, _ end: Int64, runningAt: Int64?, earlierAttempt: Int? = nil) -> [Bar] {
        guard let runningAt, runningAt > start else {
            return [Bar(step: step, lane: lane, start: start, end: end, isQueueWait: false, earlierAttempt: earlierAttempt)]
        }
        let running = min(runningAt, end)
        return [
            Bar(step: step, lane: lane, start: start, end: running, isQueueWait: false, earlierAttempt: earlierAttempt, isExecutorQueue: true),
            Bar(step: step, lane: lane, start: running, end: end, isQueueWait: false, earlierAttempt: earlierAttempt),
        ]
    }
}

/// Gives each interval the lowest-numbered lane free at its start, for
/// intervals in order of their start: O(log lanes) each, so the lanes of
/// 10,000 steps take no time.
struct LaneAllocator {
    private var busy = Heap<Busy>()
    private var free = Heap<Int>()
    /// How many lanes were needed.
    private(set) var count = 0

    private struct Busy: Comparable {
        var end: Int64
        var lane: Int
        static func < (left: Busy, right: Busy) -> Bool { (left.end, left.lane) < (right.end, right.lane) }
    }

    /// The 1-based lane for an interval that starts no earlier than every interval before it.
    mutating func place(_ start: Int64, _ end: Int64) -> Int {
        while let first = busy.min, first.end <= start {
            free.insert(busy.removeMin().lane)
        }
        let lane: Int
        if let reused = free.popMin() {
            lane = reused
        } else {
            count += 1
            lane = count
        }
        busy.insert(Busy(end: end, lane: lane))
        return lane
    }
}
