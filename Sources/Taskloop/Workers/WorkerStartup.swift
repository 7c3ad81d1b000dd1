import NIOCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One worker's start, from its spawn to its hello. Whoever gives up on it
/// first (the start-up deadline, the pool shutting down, the slot's task
/// being cancelled) aborts it: the worker's process group is killed and its
/// pipes closed, so the slot's wait for the hello ends at once, even when a
/// process that left the group holds the worker's stdout open.
final class WorkerStartup: Sendable {
    private enum State {
        case starting(channel: (any Channel)?)
        case started
        case aborted(reason: String)
    }

    private let state = Mutex(State.starting(channel: nil))
    let group: ProcessGroupHandle

    init(group: ProcessGroupHandle) {
        self.group = group
    }

    /// The channel to the worker exists; closed at once if already aborted.
    func attach(_ channel: any Channel) {
        let closeNow = state.withLock { state -> Bool in
            switch state {
            case .starting: state = .starting(channel: channel); return false
            case .started: return false
            case .aborted: return true
            }
        }
        if closeNow { channel.close(promise: nil) }
    }

    /// The worker said hello in time; false when it was aborted before.
    func markStarted() -> Bool {
        state.withLock { state in
            guard case .starting = state else { return false }
            state = .started
            return true
        }
    }

    /// Gives up on the worker, unless it has started: `reason` completes
    /// "worker N …" (`did not start within 30s: …`).
    func abort(_ reason: String) {
        let channel = state.withLock { state -> (any Channel)?? in
            guard case .starting(let channel) = state else { return nil }
            state = .aborted(reason: reason)
            return .some(channel)
        }
        guard let channel else { return }
        group.signal(SIGKILL)
        channel?.close(promise: nil)
    }

    /// Why the start was given up, if it was.
    var abortReason: String? {
        state.withLock { state in
            if case .aborted(let reason) = state { return reason }
            return nil
        }
    }
}
