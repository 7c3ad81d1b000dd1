import CTaskloopShims
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Tells when child processes exit. One thread for the whole process waits
/// on the children's pidfds with epoll, so no event loop ever blocks on a
/// child, and no exit can be missed: a pidfd stays readable from the exit
/// until the child is reaped, and only its owner reaps it.
final class ProcessExitWatcher: Sendable {
    static let shared = ProcessExitWatcher.start()

    private struct State {
        var nextToken: UInt64 = 1
        var callbacks: [UInt64: @Sendable () -> Void] = [:]
    }

    /// The epoll instance, or -1 when none could be made (then ``whenExited``
    /// returns false and callers poll).
    private let epoll: CInt
    private let state = Mutex(State())

    private init(epoll: CInt) {
        self.epoll = epoll
    }

    private static func start() -> ProcessExitWatcher {
        let watcher = ProcessExitWatcher(epoll: taskloop_exit_watch_create())
        if watcher.epoll >= 0 {
            let thread = Thread { watcher.run() }
            thread.name = "taskloop-exit-watcher"
            thread.start()
        }
        return watcher
    }

    /// Calls `exited` once, from the watcher's thread, when the process of
    /// `pidfd` has exited (it may already have). The pidfd must stay open
    /// until then. Returns false when the process cannot be watched.
    func whenExited(_ pidfd: CInt, _ exited: @escaping @Sendable () -> Void) -> Bool {
        guard epoll >= 0 else { return false }
        let token = state.withLock { state in
            defer { state.nextToken += 1 }
            state.callbacks[state.nextToken] = exited
            return state.nextToken
        }
        guard taskloop_exit_watch_add(epoll, pidfd, token) == 0 else {
            state.withLock { _ = $0.callbacks.removeValue(forKey: token) }
            return false
        }
        return true
    }

    private func run() {
        var tokens = [UInt64](repeating: 0, count: 64)
        while true {
            let count = taskloop_exit_watch_wait(epoll, &tokens, CInt(tokens.count))
            guard count > 0 else { continue }  // EINTR
            for token in tokens.prefix(Int(count)) {
                let callback = state.withLock { $0.callbacks.removeValue(forKey: token) }
                callback?()
            }
        }
    }
}
