import Synchronization

/// Why a running step is asked to stop before it finishes.
package enum StopReason: Sendable, Hashable {
    /// Its `timeout` elapsed.
    case timeout(Duration)
    /// Fail-fast or an interrupt stopped the run.
    case cancelled
    /// The pipeline's own `timeout` elapsed.
    case pipelineTimeout(Duration)
}

/// A one-shot signal that asks running work to stop. The first reason fired
/// wins; later ones are ignored. Any number of tasks may wait on it, one after
/// another or at once (a step's attempts, the wait between them).
package final class StopSignal: Sendable {
    private struct State {
        var reason: StopReason?
        var waiters: [Int: CheckedContinuation<StopReason?, Never>] = [:]
        /// Called once when the signal fires (see ``whenFired(_:)``).
        var handlers: [Int: @Sendable (StopReason) -> Void] = [:]
        /// Waits whose task was cancelled before they registered.
        var cancelled: Set<Int> = []
        var nextWaiter = 0
    }

    private let state = Mutex(State())

    package init() {}

    /// Whether the signal has fired.
    package var isFired: Bool { state.withLock { $0.reason != nil } }

    package func fire(_ reason: StopReason) {
        let (waiters, handlers) = state.withLock { state in
            guard state.reason == nil else { return ([CheckedContinuation<StopReason?, Never>](), [@Sendable (StopReason) -> Void]()) }
            state.reason = reason
            defer {
                state.waiters.removeAll()
                state.handlers.removeAll()
            }
            return (Array(state.waiters.values), Array(state.handlers.values))
        }
        for waiter in waiters { waiter.resume(returning: reason) }
        for handler in handlers { handler(reason) }
    }

    /// Calls `handler` (on the firing thread) when the signal fires, or at
    /// once when it has already fired, in which case this returns nil.
    /// Otherwise it returns a token for ``removeHandler(_:)``. A waiting
    /// task costs a task; a handler costs an entry in a dictionary.
    package func whenFired(_ handler: @escaping @Sendable (StopReason) -> Void) -> Int? {
        let fired = state.withLock { state -> (reason: StopReason?, token: Int) in
            if let reason = state.reason { return (reason, 0) }
            state.nextWaiter += 1
            state.handlers[state.nextWaiter] = handler
            return (nil, state.nextWaiter)
        }
        if let reason = fired.reason {
            handler(reason)
            return nil
        }
        return fired.token
    }

    /// Forgets a handler; it is not called after this returns (unless it
    /// is being called already, on the firing thread).
    package func removeHandler(_ token: Int) {
        _ = state.withLock { $0.handlers.removeValue(forKey: token) }
    }

    /// Returns the reason once fired, or nil when the waiting task is cancelled.
    package func wait() async -> StopReason? {
        let id = state.withLock { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let immediate = state.withLock { state -> StopReason?? in
                    if let reason = state.reason { return .some(reason) }
                    if state.cancelled.remove(id) != nil { return .some(nil) }
                    state.waiters[id] = continuation
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<StopReason?, Never>? in
                if let waiter = state.waiters.removeValue(forKey: id) { return waiter }
                if state.reason == nil { state.cancelled.insert(id) }
                return nil
            }
            waiter?.resume(returning: nil)
        }
    }
}
