/// The `ssh` command lines of an ssh executor.
///
/// `ssh -T` runs a command without a terminal, so closing the connection
/// sends no signal to it. Two things tie the remote processes to Taskloop:
/// - the local `ssh` gets SIGKILL from the kernel when Taskloop dies
///   (`setpriv --pdeathsig`), or SIGTERM from a cancelled step, and its
///   connection closes; sshd's session process then exits;
/// - on the host, a worker dies with its parent, that sshd session process
///   (the worker sets PR_SET_PDEATHSIG itself), and a shell step's command
///   runs in a session of its own beside a watcher that, once the sshd
///   session process is gone, gives the command's process group SIGTERM,
///   the grace period, then SIGKILL.
struct SSHCommand: Sendable {
    let configuration: SSHConfiguration

    /// `ssh -T -o BatchMode=yes ARGS… HOST`.
    func prefix(host: String) -> [String] {
        ["ssh", "-T", "-o", "BatchMode=yes"] + configuration.arguments + [host]
    }

    /// A shell step's command line: `ssh … HOST SCRIPT`, where the script
    /// enters `folder`, sets `environment` (ssh carries none over), and runs
    /// the command under the watcher.
    func shell(_ command: String, host: String, folder: String, environment: [String: String], grace: Duration) -> [String] {
        ExecutorSession.parentDeathArguments(signal: "KILL") + prefix(host: host) + [Self.remoteScript(command, folder: folder, environment: environment, grace: grace)]
    }

    static func remoteScript(_ command: String, folder: String, environment: [String: String], grace: Duration) -> String {
        let exports = environment.sorted { $0.key < $1.key }
            .filter { PipelineLoader.isEnvironmentName($0.key) }
            .map { "export \($0.key)=\(ShellQuoting.quote($0.value))" }
        let graceSeconds = max(1, Int(grace.components.seconds))
        return ([
            "cd \(ShellQuoting.quote(folder)) || exit 126",
        ] + exports + [
            "parent=$PPID",
            "setsid /bin/sh -c \(ShellQuoting.quote(command)) </dev/null &",
            "pid=$!",
            // SIGKILL only while the group is still there: once it has ended,
            // its id may already lead an unrelated group on that host.
            "{ while [ -e /proc/$parent ]; do sleep 1; done; kill -TERM -- -$pid; i=0; "
                + "while [ $i -lt \(graceSeconds) ] && kill -0 -- -$pid 2>/dev/null; do sleep 1; i=$((i+1)); done; "
                + "kill -0 -- -$pid 2>/dev/null && kill -KILL -- -$pid; } </dev/null >/dev/null 2>&1 &",
            "watcher=$!",
            "wait $pid",
            "status=$?",
            "kill $watcher 2>/dev/null",
            "exit $status",
        ]).joined(separator: "\n")
    }

    /// A worker's launch: `/bin/sh -c 'exec ssh … HOST "exec TASKLOOP worker"'`,
    /// the host chosen by the shell's pid among the hosts, so successive
    /// workers spread over them.
    func worker(_ launch: WorkerLaunch) -> WorkerLaunch {
        let remote = "exec " + ([launch.executable] + launch.arguments).map(ShellQuoting.quote).joined(separator: " ")
        let hosts = configuration.hosts.map(ShellQuoting.quote).joined(separator: " ")
        let options = (["-T", "-o", "BatchMode=yes"] + configuration.arguments).map(ShellQuoting.quote).joined(separator: " ")
        let script = """
            set -- \(hosts)
            shift $(( $$ % $# ))
            exec \(ExecutorSession.parentDeathGuard(signal: "KILL"))ssh \(options) "$1" \(ShellQuoting.quote(remote))
            """
        return WorkerLaunch(executable: "/bin/sh", arguments: ["-c", script])
    }
}
