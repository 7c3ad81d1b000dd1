/// The chain of steps that decided when a run ended: from the step that
/// finished last, back through the need that finished last before it, and so
/// on. Shortening any other step would not have ended the run sooner.
///
/// Its length runs from the run's first step start to the end of the path's
/// last step, so it counts everything on the way, not only run time: the
/// waits for capacity (`limits.io`, a pool, a free worker) and the scheduler's
/// hand-offs between a need and its dependent (``waitTime``), and the delays
/// between a retried step's attempts (``retryDelay``), and the time steps on
/// Slurm spent queued there (``executorQueueTime``). When the run ended
/// with its last step, the length is the makespan.
///
/// A cancelled step is never on the path: it was stopped by the run ending
/// (a failure elsewhere, a timeout, Ctrl-C), it did not decide that end. The
/// path then ends at the last step that finished on its own, and
/// ``cancelledTail`` says how long cancelled steps ran on after it.
public struct CriticalPath: Sendable, Hashable {
    /// First step first.
    public var steps: [StepID]
    /// From the run's first step start to the path's last step end, in microseconds.
    public var length: Int64
    /// Time the path's steps ran (every attempt), in microseconds.
    public var runTime: Int64 = 0
    /// Time the path's retried steps waited between attempts, in microseconds.
    public var retryDelay: Int64 = 0
    /// Time the path's steps spent queued in their executor (Slurm) before
    /// their processes started, in microseconds (not in ``runTime``).
    public var executorQueueTime: Int64 = 0
    /// The rest of ``length``: waits for capacity, pools and workers, and the
    /// scheduler's hand-offs, in microseconds.
    public var waitTime: Int64 { max(0, length - runTime - retryDelay - executorQueueTime) }
    /// How long cancelled steps ran on after the path ended, in microseconds.
    public var cancelledTail: Int64 = 0

    public init(record: RunRecord) {
        // Steps by their index in the record: a step record is a large value,
        // and this runs at the end of every run, for every step.
        // The record's own index of ids serves the needs along the path; no
        // table of every step is made here.
        let steps = record.steps
        func decided(_ index: Int) -> Bool { steps[index].finishedAt != nil && steps[index].status != .cancelled }
        func finishedEarlier(_ first: Int, _ second: Int) -> Bool { steps[first].finishedAt! < steps[second].finishedAt! }
        guard var current = steps.indices.filter(decided).max(by: finishedEarlier),
            let origin = steps.lazy.compactMap({ $0.earlierAttempts.first?.start ?? $0.startedAt }).min()
        else {
            self.steps = []
            self.length = 0
            return
        }
        var path = [current]
        var visited: Set<Int> = [current]
        while let previous = record.needs(ofStepAt: current).compactMap({ record.index(of: $0) })
            .filter({ decided($0) && !visited.contains($0) })
            .max(by: finishedEarlier)
        {
            path.append(previous)
            visited.insert(previous)
            current = previous
        }
        path.reverse()
        self.steps = path.map { steps[$0].id }
        let end = path.last.flatMap { steps[$0].finishedAt } ?? origin
        self.length = end - origin
        for step in path.lazy.map({ steps[$0] }) {
            runTime += step.duration ?? 0
            if let queued = step.executorQueueWait, step.duration != nil, queued > 0 {
                runTime -= queued
                executorQueueTime += queued
            }
            var previousEnd: Int64?
            for attempt in step.earlierAttempts {
                runTime += attempt.end - attempt.start
                if let running = attempt.runningAt, running > attempt.start {
                    let queued = min(running, attempt.end) - attempt.start
                    runTime -= queued
                    executorQueueTime += queued
                }
                if let previousEnd { retryDelay += max(0, attempt.start - previousEnd) }
                previousEnd = attempt.end
            }
            if let previousEnd, let started = step.startedAt { retryDelay += max(0, started - previousEnd) }
        }
        let lastEnd = steps.lazy.compactMap(\.finishedAt).max() ?? end
        self.cancelledTail = max(0, lastEnd - end)
    }

    /// What the length counts: `1.20s = 1.00s running + 150ms waiting + 50ms
    /// between retries`, or only `1.20s` when it is all run time.
    public var breakdown: String {
        let total = Duration.microseconds(length).compactDescription
        guard waitTime > 0 || retryDelay > 0 || executorQueueTime > 0 else { return total }
        var parts = ["\(Duration.microseconds(runTime).compactDescription) running"]
        if executorQueueTime > 0 { parts.append("\(Duration.microseconds(executorQueueTime).compactDescription) queued in Slurm") }
        if waitTime > 0 { parts.append("\(Duration.microseconds(waitTime).compactDescription) waiting") }
        if retryDelay > 0 { parts.append("\(Duration.microseconds(retryDelay).compactDescription) between retries") }
        return "\(total) = " + parts.joined(separator: " + ")
    }
}
