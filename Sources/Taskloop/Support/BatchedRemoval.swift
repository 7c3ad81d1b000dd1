import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Removes files on NIO's thread pool, a batch at a time, without the
/// caller ever waiting: for files a run is done with whose removal nothing
/// waits for (the empty `$TASKLOOP_OUTPUT` file of each shell step).
///
/// The first path queued on the event loop hands its batch to the pool
/// ``window`` later, and the paths queued meanwhile join it, so steps that
/// end every few microseconds wake one pool thread per window, not one per
/// step (the same burst as ``SerialWriter``'s). ``finish()`` removes what is
/// left and waits for the batches already handed over.
///
/// Invariants, kept under the state's lock: at most one hand-off is
/// scheduled at a time (`isHandOffScheduled`); `batchesRunning` counts the
/// batches handed to the pool and not yet done, and `idleWaiters` are
/// resumed when it reaches zero.
final class BatchedRemoval: Sendable {
    private struct State {
        var paths: [String] = []
        var isHandOffScheduled = false
        var batchesRunning = 0
        var idleWaiters: [CheckedContinuation<Void, Never>] = []
    }

    /// How long a path waits for others to join its batch: the log writer's burst.
    static var window: Duration { .milliseconds(2) }

    private let eventLoop: any EventLoop
    private let threadPool: NIOThreadPool
    private let state = Mutex(State())

    init(eventLoop: any EventLoop, threadPool: NIOThreadPool) {
        self.eventLoop = eventLoop
        self.threadPool = threadPool
    }

    /// Queues `path` for removal. Never blocks. A path queued after
    /// ``finish()`` has taken the queue waits for a batch that may never
    /// come: queue nothing once the run is over.
    func remove(_ path: String) {
        let schedulesHandOff = state.withLock { state -> Bool in
            state.paths.append(path)
            guard !state.isHandOffScheduled else { return false }
            state.isHandOffScheduled = true
            return true
        }
        guard schedulesHandOff else { return }
        eventLoop.scheduleTask(in: .nanoseconds(Self.window.nanosecondsClamped)) { self.handOff() }
    }

    /// Removes what is still queued, and returns once every batch handed to
    /// the pool before has been removed too.
    func finish() async {
        let paths = state.withLock { state in
            defer { state.paths = [] }
            return state.paths
        }
        if !paths.isEmpty { _ = try? await threadPool.runIfActive { Self.unlink(paths) } }
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let isIdle = state.withLock { state -> Bool in
                guard state.batchesRunning > 0 else { return true }
                state.idleWaiters.append(waiter)
                return false
            }
            if isIdle { waiter.resume() }
        }
    }

    private func handOff() {
        let paths = state.withLock { state -> [String] in
            state.isHandOffScheduled = false
            defer { state.paths = [] }
            if !state.paths.isEmpty { state.batchesRunning += 1 }
            return state.paths
        }
        guard !paths.isEmpty else { return }
        threadPool.submit { workState in
            if case .active = workState { Self.unlink(paths) }
            let waiters = self.state.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.batchesRunning -= 1
                guard state.batchesRunning == 0 else { return [] }
                defer { state.idleWaiters = [] }
                return state.idleWaiters
            }
            for waiter in waiters { waiter.resume() }
        }
    }

    /// Blocks: on the pool only. A path already gone is no failure.
    private static func unlink(_ paths: [String]) {
        for path in paths { Glibc.unlink(path) }
    }
}
