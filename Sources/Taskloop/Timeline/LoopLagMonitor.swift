package import NIOCore
import Synchronization

/// Taskloop's version of asyncio's debug mode (`slow_callback_duration`):
/// throughout a run it measures how late the event loop runs a periodic tick,
/// and about once a second summarises that lateness as a `loop-lag` event, the
/// series reports draw. When code on the loop holds it past the threshold (a
/// step that computes or makes a blocking call instead of awaiting), a
/// `loop-stall` event names the step: each step's task runs on an executor
/// that times its jobs (``EventLoopTaskExecutor``). A late tick with no step
/// to blame is recorded as a stall without names.
///
/// The monitor observes the run (to know which steps are on the loop) and its
/// ticks run on the loop itself, so its state is only touched there; the lock
/// makes that safe to state without reasoning about threads.
package final class LoopLagMonitor: RunObserver {
    package static let defaultThreshold = Duration.milliseconds(100)
    static let interval = Duration.milliseconds(20)
    static let window = Duration.seconds(1)

    private struct State {
        /// When a step's job last held the loop past the threshold.
        var lastStepStall: Int64 = .min
        var lateness: [Int64] = []
        var windowStart: Int64 = 0
        var scheduled: Scheduled<Void>?
        var isStopped = false
    }

    private let eventLoop: any EventLoop
    private let clock: RunClock
    package let threshold: Duration
    private let emit: @Sendable (TimelineEvent.Payload) -> Void
    private let state = Mutex(State())

    package init(eventLoop: any EventLoop, clock: RunClock, threshold: Duration, emit: @escaping @Sendable (TimelineEvent.Payload) -> Void) {
        self.eventLoop = eventLoop
        self.clock = clock
        self.threshold = threshold
        self.emit = emit
    }

    package func observe(_ event: TimelineEvent) {}

    /// A job of `step` held the loop for `duration`, past the threshold.
    /// Called on the loop, right after the job.
    package func stepBlockedLoop(_ step: StepID, for duration: Duration) {
        let now = clock.microsecondsSinceStart()
        state.withLock { $0.lastStepStall = now }
        emit(.loopStall(LoopStall(duration: duration.microseconds, steps: [step])))
    }

    package func stepOutput(_ chunk: StepOutputChunk) {}

    /// Starts ticking; call once, when the run starts.
    package func start() {
        state.withLock { $0.windowStart = clock.microsecondsSinceStart() }
        schedule(after: Self.interval)
    }

    /// Stops ticking and writes the last window's figures.
    package func stop() {
        let scheduled = state.withLock { state -> Scheduled<Void>? in
            state.isStopped = true
            return state.scheduled
        }
        scheduled?.cancel()
        flushWindow()
    }

    private func schedule(after delay: Duration) {
        let expected = clock.microsecondsSinceStart() + delay.microseconds
        let task = eventLoop.scheduleTask(in: .nanoseconds(delay.nanosecondsClamped)) { [self] in
            tick(expected: expected)
        }
        let cancelNow = state.withLock { state -> Bool in
            state.scheduled = task
            return state.isStopped
        }
        if cancelNow { task.cancel() }
    }

    private func tick(expected: Int64) {
        let now = clock.microsecondsSinceStart()
        let late = max(0, now - expected)
        let (stalled, windowDone) = state.withLock { state -> ([StepID]?, Bool) in
            guard !state.isStopped else { return (nil, false) }
            state.lateness.append(late)
            // A late tick that no step's job explains: the loop was held all the same.
            let unexplained = late > threshold.microseconds && state.lastStepStall < expected
            return (unexplained ? [] : nil, now - state.windowStart >= Self.window.microseconds)
        }
        if let stalled {
            emit(.loopStall(LoopStall(duration: late, steps: stalled)))
        }
        if windowDone { flushWindow() }
        if !state.withLock({ $0.isStopped }) { schedule(after: Self.interval) }
    }

    private func flushWindow() {
        let samples = state.withLock { state -> [Int64] in
            defer {
                state.lateness.removeAll(keepingCapacity: true)
                state.windowStart = clock.microsecondsSinceStart()
            }
            return state.lateness
        }
        guard !samples.isEmpty else { return }
        let sorted = samples.sorted()
        let p99 = sorted[min(sorted.count - 1, Int((Double(sorted.count) * 0.99).rounded(.up)) - 1)]
        emit(.loopLag(LoopLag(ticks: samples.count, maximum: sorted.last ?? 0, p99: p99)))
    }
}
