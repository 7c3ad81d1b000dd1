import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The process group a shell step's command leads (its pgid is the shell's
/// pid). Killing it ends every process the command started, unless one moved
/// itself to another group on purpose.
final class ProcessGroupHandle: Sendable {
    private let leaderPID = Mutex<pid_t?>(nil)

    var leader: pid_t? {
        get { leaderPID.withLock { $0 } }
        set {
            leaderPID.withLock { $0 = newValue }
            if let newValue { ChildProcesses.register(group: newValue) }
        }
    }

    /// Sends SIGTERM to the whole group (the step was cancelled).
    func terminate() {
        guard let leader, leader > 0 else { return }
        _ = kill(-leader, SIGTERM)
    }

    /// Sends SIGKILL to what is left of the group. ESRCH (no such group: all
    /// of it has exited) is the common, quiet case.
    func killRemaining() {
        guard let leader, leader > 0 else { return }
        _ = kill(-leader, SIGKILL)
        ChildProcesses.unregister(group: leader)
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
