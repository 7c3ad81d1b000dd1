import Synchronization

/// Tasks waiting, first come first served, for a value another task hands
/// over (a worker that became free). Unlike a bare continuation, a wait
/// ends when its task is cancelled: a step's timeout or a Ctrl-C reaches a
/// step that waits for a worker. Once the line is closed (no value will
/// come: the pool shut down, or no worker can start), every wait ends with
/// why, those that had not joined yet included: a task that asked before
/// the close and joins after it must not wait for ever.
final class WaitingLine<Element: Sendable>: Sendable {
    private struct State {
        var waiters: [(id: Int, continuation: CheckedContinuation<Element, any Error>)] = []
        /// Waits that have not joined the line yet, and those of them whose
        /// task was cancelled meanwhile.
        var notJoined: Set<Int> = []
        var cancelled: Set<Int> = []
        var nextID = 0
        /// Why the line is closed, once it is.
        var closure: (any Error)?
    }

    private let state = Mutex(State())

    /// Waits until ``handOver(_:)`` gives this task a value; throws
    /// CancellationError when the task is cancelled first, or why the line
    /// is closed (``close(failingWith:)``).
    func wait() async throws -> Element {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            state.notJoined.insert(state.nextID)
            return state.nextID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let ended = state.withLock { state -> (any Error)? in
                    state.notJoined.remove(id)
                    if state.cancelled.remove(id) != nil { return CancellationError() }
                    if let closure = state.closure { return closure }
                    state.waiters.append((id, continuation))
                    return nil
                }
                if let ended { continuation.resume(throwing: ended) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Element, any Error>? in
                if let index = state.waiters.firstIndex(where: { $0.id == id }) {
                    return state.waiters.remove(at: index).continuation
                }
                if state.notJoined.contains(id) { state.cancelled.insert(id) }
                return nil
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// Gives `element` to the longest waiting task; false when none waits.
    func handOver(_ element: Element) -> Bool {
        let waiter = state.withLock { state in
            state.waiters.isEmpty ? nil : state.waiters.removeFirst().continuation
        }
        waiter?.resume(returning: element)
        return waiter != nil
    }

    /// Closes the line: every wait, now or to come, ends with `error` (or
    /// with the first close's, if it was closed already).
    func close(failingWith error: any Error) {
        let (waiters, closure) = state.withLock { state in
            state.closure = state.closure ?? error
            defer { state.waiters.removeAll() }
            return (state.waiters.map(\.continuation), state.closure ?? error)
        }
        for waiter in waiters { waiter.resume(throwing: closure) }
    }
}
