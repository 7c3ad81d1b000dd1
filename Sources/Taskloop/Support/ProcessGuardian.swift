import CTaskloopShims
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The guardian: a small process, started once per Taskloop process, that
/// kills every process group Taskloop started when Taskloop ends, however it
/// ends (even `kill -9`). On Linux 5.16 and later it shares Taskloop's
/// memory (no copy of its pages, so no copy-on-write faults in Taskloop
/// after it starts); it makes only system calls. See
/// `taskloop_guardian_start` in CTaskloopShims.
///
/// Every child registers its own group with the guardian before it executes
/// anything, so there is no moment in which a group exists that the guardian
/// does not know. Taskloop tells it to forget a group once the group has
/// ended, while the group's leader is still unreaped (so its id cannot have
/// been reused by then). The guardian holds one socket and a bitmap of
/// process ids, and waits: it costs nothing per step.
enum ProcessGuardian {
    /// The socket to the guardian, or nil when it could not start (then
    /// Taskloop runs unguarded: children still end with their steps).
    static let socket: CInt? = {
        var pid: pid_t = 0
        var pidfd: CInt = -1
        var socket: CInt = -1
        guard taskloop_guardian_start(&pid, &pidfd, &socket) == 0 else { return nil }
        // Reap it if it ever exits while Taskloop lives (it was killed).
        let guardian = pidfd
        _ = ChildWatcher.shared.whenExited(guardian) {
            var exited: CInt = 0
            var code: CInt = 0
            _ = taskloop_reap(guardian, &exited, &code)
        }
        return socket
    }()

    /// The group led by `leader` has ended; the guardian forgets it.
    static func forget(group leader: pid_t) {
        guard let socket else { return }
        taskloop_guardian_forget(socket, leader)
    }
}
