import CTaskloopShims
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// What every executor launch of this Taskloop process shares: the tag its
/// Slurm job names start with, and the guardian that cancels those jobs once
/// the process is gone, however it ended.
///
/// How no Slurm job outlives Taskloop, fastest first:
/// 1. A cancelled step or worker: its `srun` gets SIGTERM, and `srun` ends its
///    job or step at once (Slurm then gives the processes `KillWait` seconds
///    between SIGTERM and SIGKILL).
/// 2. Taskloop killed outright (`kill -9`): every `srun` (and `ssh`) was started
///    through `setpriv --pdeathsig`, so the kernel sends it SIGTERM (`ssh`:
///    SIGKILL) when Taskloop dies, and (1) follows.
/// 3. Whatever escaped (an `srun` killed with SIGKILL by a second Ctrl-C, or by
///    the OOM killer): the guardian, a `/bin/sh` started in its own process
///    group, reads a pipe whose other end only Taskloop holds. When Taskloop's
///    process ends, for any reason, the read ends, and the guardian cancels
///    every job (and job step) whose name starts with the tag.
/// The bound: no Taskloop job is left in `squeue` later than a second or two
/// after Taskloop is gone, plus the cluster's `KillWait` for jobs that ignore
/// SIGTERM.
enum ExecutorSession {
    /// `taskloop-<pid>-<hex>`: unique among the runs on a cluster at one time.
    static let tag = "taskloop-\(getpid())-\(String(zeroPadded: UInt16.random(in: 0...UInt16.max), digits: 4, radix: 16))"

    /// The write end of the guardian's pipe, held until the process ends
    /// (nil until a Slurm executor is first used).
    private static let guardianPipe = Mutex<CInt?>(nil)

    /// `setpriv --pdeathsig SIGNAL -- ` when util-linux's `setpriv` is
    /// there, which makes the next program get `signal` when Taskloop dies.
    static func parentDeathGuard(signal: String) -> String {
        guard let setpriv else { return "" }
        return "\(setpriv) --pdeathsig \(signal) -- "
    }

    /// The same, as arguments in front of a command line.
    static func parentDeathArguments(signal: String) -> [String] {
        guard let setpriv else { return [] }
        return [setpriv, "--pdeathsig", signal, "--"]
    }

    private static let setpriv: String? = ["/usr/bin/setpriv", "/bin/setpriv"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Starts the guardian once per process. Safe from any thread; it only
    /// spawns a process (a few hundred microseconds) the first time.
    static func startGuardian() {
        guardianPipe.withLock { pipe in
            guard pipe == nil else { return }
            var fds: [CInt] = [-1, -1]
            guard taskloop_pipe_cloexec(&fds) == 0 else { return }
            let allocation = ProcessEnvironment.atStart["SLURM_JOB_ID"] ?? ""
            if spawnGuardian(readEnd: fds[0], allocation: allocation) {
                pipe = fds[1]
            } else {
                close(fds[1])
            }
            close(fds[0])
        }
    }

    /// The guardian's script: wait for end of input, then cancel by tag the
    /// jobs of this user and, inside an allocation, its job steps.
    static let guardianScript = """
        while read -r _; do :; done
        user=$(id -un)
        jobs=$(squeue -h -u "$user" -o '%i %j' 2>/dev/null | awk -v p="$1-" 'index($2, p) == 1 { print $1 }')
        steps=""
        if [ -n "$2" ]; then
            steps=$(squeue -h -s -j "$2" -o '%i %j' 2>/dev/null | awk -v p="$1-" 'index($2, p) == 1 { print $1 }')
        fi
        if [ -n "$jobs$steps" ]; then scancel $jobs $steps 2>/dev/null; fi
        exit 0
        """

    private static func spawnGuardian(readEnd: CInt, allocation: String) -> Bool {
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        posix_spawn_file_actions_adddup2(&actions, readEnd, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        // Its own process group: a Ctrl-C meant for Taskloop does not end it,
        // and it is in no group Taskloop kills.
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        let arguments = ["/bin/sh", "-c", guardianScript, "taskloop-guardian", tag, allocation]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        return posix_spawn(&pid, "/bin/sh", &actions, &attributes, &argv, Glibc.environ) == 0
    }
}
