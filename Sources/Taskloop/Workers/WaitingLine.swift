import Synchronization

/// Tasks waiting, first come first served, for a value another task hands
/// over (a worker that became free). Unlike a bare continuation, a wait
/// ends when its task is cancelled: a step's timeout or a Ctrl-C reaches a
/// step that waits for a worker.
final class WaitingLine<Element: Sendable>: Sendable {
    private struct State {
        var waiters: [(id: Int, continuation: CheckedContinuation<Element, any Error>)] = []
        /// Waits that have not joined the line yet, and those of them whose
        /// task was cancelled meanwhile.
        var notJoined: Set<Int> = []
        var cancelled: Set<Int> = []
        var nextID = 0
    }

    private let state = Mutex(State())

    /// Waits until ``handOver(_:)`` gives this task a value; throws
    /// CancellationError when the task is cancelled first, or what
    /// ``failAll(_:)`` gives.
    func wait() async throws -> Element {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            state.notJoined.insert(state.nextID)
            return state.nextID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let wasCancelled = state.withLock { state in
                    state.notJoined.remove(id)
                    if state.cancelled.remove(id) != nil { return true }
                    state.waiters.append((id, continuation))
                    return false
                }
                if wasCancelled { continuation.resume(throwing: CancellationError()) }
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

    /// Ends every wait with `error`.
    func failAll(_ error: any Error) {
        let waiters = state.withLock { state in
            defer { state.waiters.removeAll() }
            return state.waiters.map(\.continuation)
        }
        for waiter in waiters { waiter.resume(throwing: error) }
    }
}
