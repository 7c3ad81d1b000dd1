/// Where each step of a run is drawn: steps on the event loop spread over as
/// many lanes as ran at once (no two bars in a lane overlap, which trace
/// viewers require), CPU steps on the lane of the worker that ran them, and
/// CPU steps' queue waits on lanes of their own.
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
    }

    /// A bar: a step's run (or its queue wait) on a lane.
    public struct Bar: Sendable, Hashable {
        public var step: StepID
        public var lane: Lane
        public var start: Int64
        public var end: Int64
        public var isQueueWait: Bool
        /// For a retried step's earlier attempts: which attempt (they failed).
        public var earlierAttempt: Int?
    }

    public private(set) var lanes: [Lane] = []
    public private(set) var bars: [Bar] = []

    public init(record: RunRecord) {
        var loopLaneEnds: [Int64] = []
        var queueLaneEnds: [Int64] = []
        var workerLanes: Set<Int> = []
        let ran = record.steps.filter { $0.startedAt != nil && $0.finishedAt != nil }
            .sorted { ($0.earlierAttempts.first?.start ?? $0.queuedAt ?? $0.startedAt!, $0.id) < ($1.earlierAttempts.first?.start ?? $1.queuedAt ?? $1.startedAt!, $1.id) }
        func place(_ start: Int64, _ end: Int64, in ends: inout [Int64]) -> Int {
            if let free = ends.firstIndex(where: { $0 <= start }) {
                ends[free] = end
                return free + 1
            }
            ends.append(end)
            return ends.count
        }
        for step in ran {
            let started = step.startedAt!, finished = step.finishedAt!
            // A wait under a millisecond is the scheduler's own turn, not a queue.
            let queued = started - (step.queuedAt ?? started) < 1000 ? started : min(step.queuedAt ?? started, started)
            if let lane = step.lane, lane.hasPrefix("worker-"), let number = Int(lane.dropFirst("worker-".count)) {
                workerLanes.insert(number)
                bars.append(Bar(step: step.id, lane: Lane(group: .workers, number: number, name: "worker \(number)"), start: started, end: finished, isQueueWait: false))
                for (index, earlier) in step.earlierAttempts.enumerated() {
                    guard earlier.lane.hasPrefix("worker-"), let worker = Int(earlier.lane.dropFirst("worker-".count)) else { continue }
                    workerLanes.insert(worker)
                    bars.append(Bar(step: step.id, lane: Lane(group: .workers, number: worker, name: "worker \(worker)"), start: earlier.start, end: earlier.end, isQueueWait: false, earlierAttempt: index + 1))
                }
                if queued < started {
                    let row = place(queued, started, in: &queueLaneEnds)
                    bars.append(Bar(step: step.id, lane: Lane(group: .workers, number: 1000 + row, name: "queue \(row)"), start: queued, end: started, isQueueWait: true))
                }
            } else {
                // A loop step's lane holds its wait for capacity and then its runs.
                let first = min(queued, step.earlierAttempts.first?.start ?? queued)
                let row = place(first, finished, in: &loopLaneEnds)
                let lane = Lane(group: .loop, number: row, name: "loop lane \(row)")
                if queued < started {
                    bars.append(Bar(step: step.id, lane: lane, start: queued, end: started, isQueueWait: true))
                }
                bars.append(Bar(step: step.id, lane: lane, start: started, end: finished, isQueueWait: false))
                for (index, earlier) in step.earlierAttempts.enumerated() {
                    bars.append(Bar(step: step.id, lane: lane, start: earlier.start, end: earlier.end, isQueueWait: false, earlierAttempt: index + 1))
                }
            }
        }
        lanes = (1...max(1, loopLaneEnds.count)).map { Lane(group: .loop, number: $0, name: "loop lane \($0)") }
            .filter { _ in !loopLaneEnds.isEmpty }
        lanes += workerLanes.sorted().map { Lane(group: .workers, number: $0, name: "worker \($0)") }
        lanes += queueLaneEnds.indices.map { Lane(group: .workers, number: 1001 + $0, name: "queue \($0 + 1)") }
    }
}
