import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Every process group Taskloop has started and not yet seen end: shell
/// steps' commands and worker processes. Each leads its own group, so a
/// terminal's Ctrl-C does not reach it; this list is how an exit that cannot
/// wait (a second Ctrl-C) still takes them along.
public enum ChildProcesses {
    private static let groups = Mutex<Set<Int32>>([])

    static func register(group: Int32) {
        groups.withLock { _ = $0.insert(group) }
    }

    static func unregister(group: Int32) {
        groups.withLock { _ = $0.remove(group) }
    }

    /// Sends SIGKILL to every registered process group. Safe to call from a
    /// signal-handling thread just before exiting.
    public static func killAll() {
        for group in groups.withLock({ $0 }) { kill(-group, SIGKILL) }
    }
}
