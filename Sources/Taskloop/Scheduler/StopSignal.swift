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
    /// The task of a step's attempt, cancelled when the signal fires (see
    /// ``cancelOnFire(_:)``).
    ///
    /// `@unchecked Sendable` because `UnsafeCurrentTask` is not: it is a
    /// reference that is valid only while its task runs. That holds here: the
    /// task itself arms the signal with it and releases it (``release()``)
    /// before its attempt returns, and ``fire(_:)`` cancels it only under the
    /// lock that releasing takes, and only while armed, so no cancel reaches a
    /// task that has moved on. Cancelling a running task from another thread
    /// is what `cancel()` is for.
    private struct ArmedTask: @unchecked Sendable {
        let task: UnsafeCurrentTask
    }

    private struct State {
        var reason: StopReason?
        var waiters: [Int: CheckedContinuation<StopReason?, Never>] = [:]
        /// Cancelled when the signal fires; at most one at a time.
        var armed: ArmedTask?
        /// Waits whose task was cancelled before they registered.
        var cancelled: Set<Int> = []
        var nextWaiter = 0
    }

    private let state = Mutex(State())

    package init() {}

    /// Whether the signal has fired.
    package var isFired: Bool { state.withLock { $0.reason != nil } }

    package func fire(_ reason: StopReason) {
        let waiters = state.withLock { state in
            guard state.reason == nil else { return [CheckedContinuation<StopReason?, Never>]() }
            state.reason = reason
            state.armed?.task.cancel()
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: reason) }
    }

    /// Cancels `task`, the current task, when the signal fires (at once if
    /// it has fired), until ``release()``. A step's attempt without its own
    /// timeout runs in the step's task this way: a wait would cost a task, a
    /// handler a closure; this costs a field. One task at a time: a step's
    /// attempts run one after another. The task's cancellation handlers run
    /// under this signal's lock, so none of them may use this signal (a
    /// step's kind never sees it).
    package func cancelOnFire(_ task: UnsafeCurrentTask?) {
        guard let task else { return }
        state.withLock { state in
            state.armed = ArmedTask(task: task)
            if state.reason != nil { task.cancel() }
        }
    }

    /// Ends ``cancelOnFire(_:)``: no cancel reaches the task after this.
    /// Returns why the signal fired, if it fired before.
    package func release() -> StopReason? {
        state.withLock { state in
            state.armed = nil
            return state.reason
        }
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
