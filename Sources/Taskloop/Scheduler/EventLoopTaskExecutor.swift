public import NIOCore

/// A `TaskExecutor` that runs every job on one NIO event loop.
///
/// The scheduler runs a pipeline inside `withTaskExecutorPreference` of one
/// of these, and every child task inherits the preference: all non-isolated
/// async code of every I/O step (built-in or plugin) then runs on the loop's
/// single thread, the asyncio model. A step that awaits gives the thread back.
///
/// Each step's task gets an executor of its own, tagged with the step, which
/// times every job it runs: a job that holds the loop past the stall threshold
/// is reported with the step's name (that is how the loop-lag monitor knows
/// *which* step blocked the loop, not only that something did).
public final class EventLoopTaskExecutor: TaskExecutor {
    public let eventLoop: any EventLoop
    private let step: StepID?
    /// Hears of the step's jobs that held the loop past its threshold.
    private let monitor: LoopLagMonitor?

    public init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
        self.step = nil
        self.monitor = nil
    }

    /// An executor for one step's task: `monitor` hears of every job of the
    /// step that ran for longer than its threshold.
    package init(eventLoop: any EventLoop, step: StepID, monitor: LoopLagMonitor) {
        self.eventLoop = eventLoop
        self.step = step
        self.monitor = monitor
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        guard let step, let monitor else {
            eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
            return
        }
        eventLoop.execute {
            let start = ContinuousClock.now
            job.runSynchronously(on: self.asUnownedTaskExecutor())
            let ran = ContinuousClock.now - start
            if ran > monitor.threshold { monitor.stepBlockedLoop(step, for: ran) }
        }
    }
}
