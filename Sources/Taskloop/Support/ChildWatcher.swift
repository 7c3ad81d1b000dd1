import CTaskloopShims
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Tells when child processes exit and when their output pipes have data.
/// One thread for the whole process waits on the children's pidfds and the
/// pipes' read ends with epoll, so no event loop ever blocks on a child, and
/// no exit can be missed: a pidfd stays readable from the exit until the
/// child is reaped, and only its owner reaps it.
///
/// The thread only learns and tells; whoever is told does the reading (a
/// shell step's output is read on the step's event loop), and a pipe is
/// reported again only once its reader rearms it, so output is never read
/// faster than it is handled.
final class ChildWatcher: Sendable {
    static let shared = ChildWatcher.start()

    private struct Watch {
        var callback: @Sendable () -> Void
        /// Kept after it is called (a pipe, rearmed by its reader); else
        /// called once (an exit).
        var repeats: Bool
    }

    private struct State {
        var nextToken: UInt64 = 1
        var watches: [UInt64: Watch] = [:]
    }

    /// The epoll instance, or -1 when none could be made (then the watch
    /// calls return false or nil, and callers poll).
    private let epoll: CInt
    private let state = Mutex(State())

    private init(epoll: CInt) {
        self.epoll = epoll
    }

    private static func start() -> ChildWatcher {
        let watcher = ChildWatcher(epoll: taskloop_watch_create())
        if watcher.epoll >= 0 {
            let thread = Thread {
                // Named from the thread itself: Foundation does not pass a
                // name set before `start()` to Linux, and the thread kept
                // its creator's (`top -H`, `perf` and `ps -L` show it). At
                // most 15 bytes.
                taskloop_name_this_thread("taskloop-watch")
                watcher.run()
            }
            thread.start()
        }
        return watcher
    }

    /// Calls `exited` once, from the watcher's thread, when the process of
    /// `pidfd` has exited (it may already have). The pidfd must stay open
    /// until then. Returns false when the process cannot be watched.
    func whenExited(_ pidfd: CInt, _ exited: @escaping @Sendable () -> Void) -> Bool {
        add(pidfd, Watch(callback: exited, repeats: false)) != nil
    }

    /// Calls `readable` from the watcher's thread when `descriptor` (a
    /// pipe's read end) has data or has ended: once now if it does, then
    /// once after each ``rearm(_:token:)``. Returns the watch's token, or
    /// nil when the descriptor cannot be watched. Its owner calls
    /// ``stopWatching(token:)`` before closing it.
    func watchReadable(_ descriptor: CInt, _ readable: @escaping @Sendable () -> Void) -> UInt64? {
        add(descriptor, Watch(callback: readable, repeats: true))
    }

    /// Arms a watched pipe again, after its reader has read what it was
    /// told of; false when that failed (the reader should stop).
    func rearm(_ descriptor: CInt, token: UInt64) -> Bool {
        taskloop_watch_rearm(epoll, descriptor, token) == 0
    }

    /// No call for `token` starts after this returns; one already started
    /// may still be running, so the callback must cope with a reader that
    /// has finished.
    func stopWatching(token: UInt64) {
        state.withLock { _ = $0.watches.removeValue(forKey: token) }
    }

    private func add(_ descriptor: CInt, _ watch: Watch) -> UInt64? {
        guard epoll >= 0 else { return nil }
        let token = state.withLock { state in
            defer { state.nextToken += 1 }
            state.watches[state.nextToken] = watch
            return state.nextToken
        }
        guard taskloop_watch_add(epoll, descriptor, token) == 0 else {
            state.withLock { _ = $0.watches.removeValue(forKey: token) }
            return nil
        }
        return token
    }

    private func run() {
        var tokens = [UInt64](repeating: 0, count: 64)
        while true {
            let count = taskloop_watch_wait(epoll, &tokens, CInt(tokens.count))
            guard count > 0 else { continue }  // EINTR
            let callbacks = state.withLock { state in
                tokens.prefix(Int(count)).compactMap { token -> (@Sendable () -> Void)? in
                    guard let watch = state.watches[token] else { return nil }
                    if !watch.repeats { state.watches[token] = nil }
                    return watch.callback
                }
            }
            for callback in callbacks { callback() }
        }
    }
}
