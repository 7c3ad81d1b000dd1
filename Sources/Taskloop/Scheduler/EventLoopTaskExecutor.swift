public import NIOCore

/// A `TaskExecutor` that runs every job on one NIO event loop.
///
/// The scheduler runs a pipeline inside `withTaskExecutorPreference` of one
/// of these, and every child task inherits the preference: all non-isolated
/// async code of every I/O step (built-in or plugin) then runs on the loop's
/// single thread, the asyncio model. A step that awaits gives the thread back.
public final class EventLoopTaskExecutor: TaskExecutor {
    public let eventLoop: any EventLoop

    public init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
