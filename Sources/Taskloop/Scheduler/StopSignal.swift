import Synchronization

/// Why a running step is asked to stop before it finishes.
package enum StopReason: Sendable, Hashable {
    /// Its `timeout` elapsed.
    case timeout(Duration)
    /// Fail-fast or an interrupt stopped the run.
    case cancelled
}

/// A one-shot signal that asks one running step to stop. The first reason
/// fired wins; later ones are ignored.
package final class StopSignal: Sendable {
    private struct State {
        var reason: StopReason?
        var waiter: CheckedContinuation<StopReason?, Never>?
        var waiterCancelled = false
    }

    private let state = Mutex(State())

    package init() {}

    package func fire(_ reason: StopReason) {
        let waiter = state.withLock { state -> CheckedContinuation<StopReason?, Never>? in
            guard state.reason == nil else { return nil }
            state.reason = reason
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: reason)
    }

    /// Returns the reason once fired, or nil when the waiting task is cancelled.
    package func wait() async -> StopReason? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let immediate = state.withLock { state -> StopReason?? in
                    if let reason = state.reason { return .some(reason) }
                    if state.waiterCancelled { return .some(nil) }
                    state.waiter = continuation
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<StopReason?, Never>? in
                state.waiterCancelled = true
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: nil)
        }
    }
}
