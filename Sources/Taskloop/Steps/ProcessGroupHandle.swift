import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The process group a child process leads (its pgid is the child's pid):
/// a shell step's command, a worker. Signalling it reaches every process the
/// child started, unless one moved itself to another group on purpose.
///
/// The group is signalled only while its leader is known not to have been
/// reaped (between ``started(leader:)`` and ``end()``), so its id cannot
/// have been reused by an unrelated group: a late cancellation is harmless.
final class ProcessGroupHandle: Sendable {
    private let leaderPID = Mutex<pid_t?>(nil)

    var leader: pid_t? { leaderPID.withLock { $0 } }

    /// The group exists: a second Ctrl-C (``ChildProcesses/killAll()``) now
    /// takes it along too.
    func started(leader: pid_t) {
        leaderPID.withLock { $0 = leader }
        ChildProcesses.register(group: leader)
    }

    /// Sends `signal` to the whole group, if it still exists.
    func signal(_ signal: Int32) {
        leaderPID.withLock { leader in
            guard let leader, leader > 0 else { return }
            _ = kill(-leader, signal)
        }
    }

    /// Sends SIGTERM to the whole group (the step was cancelled).
    func terminate() { signal(SIGTERM) }

    /// The leader has exited, not yet reaped: SIGKILL to what is left of the
    /// group (ESRCH, all of it gone, is the common, quiet case), and the group
    /// is forgotten by the registry and the guardian.
    func end() {
        leaderPID.withLock { leader in
            guard let group = leader, group > 0 else { return }
            _ = kill(-group, SIGKILL)
            ChildProcesses.unregister(group: group)
            ProcessGuardian.forget(group: group)
            leader = nil
        }
    }
}

/// Names for the signals a user is likely to see.
enum SignalName {
    static func of(_ signal: Int32) -> String {
        switch signal {
        case SIGKILL: return "SIGKILL"
        case SIGTERM: return "SIGTERM"
        case SIGINT: return "SIGINT"
        case SIGSEGV: return "SIGSEGV"
        case SIGABRT: return "SIGABRT"
        case SIGHUP: return "SIGHUP"
        case SIGPIPE: return "SIGPIPE"
        case SIGQUIT: return "SIGQUIT"
        case SIGBUS: return "SIGBUS"
        case SIGFPE: return "SIGFPE"
        case SIGILL: return "SIGILL"
        default: return "signal \(signal)"
        }
    }
}
