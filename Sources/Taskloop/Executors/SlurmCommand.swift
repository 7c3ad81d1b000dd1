/// The `srun` command lines of a Slurm executor.
///
/// Every process is started by its own `srun`, a child of Taskloop: outside
/// an allocation each `srun` asks Slurm for a job of its own (one task on one
/// node with the executor's cpus, memory and time); inside one (`salloc`,
/// `sbatch`: `SLURM_JOB_ID` is set) it starts a job step of that allocation,
/// as `srun` always does there. Either way the job (or step) ends when `srun`
/// is signalled, and carries a job name that starts with the run's
/// ``ExecutorSession/tag``, by which the session's guardian finds and cancels
/// whatever a dead Taskloop left (see ``ExecutorGuardian``).
struct SlurmCommand: Sendable {
    let configuration: SlurmConfiguration
    /// The `srun` to start (found on PATH by `/usr/bin/env`).
    static let srun = "srun"

    /// The options every launch shares.
    func options(jobName: String, workingDirectory: String, quiet: Bool) -> [String] {
        var options = ["--ntasks=1", "--nodes=1", "--job-name=\(jobName)", "--chdir=\(workingDirectory)"]
        // slurmstepd holds output back until a newline unless told otherwise;
        // a worker's frames carry none. (Without --pty no terminal is involved,
        // so bytes pass as they are.)
        options.append("--unbuffered")
        if quiet { options.append("--quiet") }
        if let partition = configuration.partition { options.append("--partition=\(partition)") }
        if let cpus = configuration.cpus { options.append("--cpus-per-task=\(cpus)") }
        if let memory = configuration.memory { options.append("--mem=\(memory)") }
        if let limit = configuration.timeLimit { options.append("--time=\(Self.slurmTime(limit))") }
        return options + configuration.arguments
    }

    /// `srun … /bin/sh -c COMMAND` for a shell step: the command runs on a
    /// node in the same folder, with the environment `srun` is given (Slurm
    /// exports it whole by default), behind a wrapper that says when it
    /// starts there (``SlurmTaskStart``).
    func shell(_ command: String, jobName: String, workingDirectory: String) -> [String] {
        [Self.srun] + options(jobName: jobName, workingDirectory: workingDirectory, quiet: false) + SlurmTaskStart.wrapping(command)
    }

    /// A worker's launch: `/bin/sh -c 'exec srun … --job-name=TAG-w$$ … TASKLOOP worker'`.
    /// The shell execs into `srun`, so the pid the pool knows is `srun`'s, and
    /// the job name carries that pid: the pool's pid of a worker finds its job.
    func worker(_ launch: WorkerLaunch, tag: String, workingDirectory: String) -> WorkerLaunch {
        let options = options(jobName: "JOBNAME", workingDirectory: workingDirectory, quiet: true)
            .map { $0 == "--job-name=JOBNAME" ? "--job-name=\"$0\"-w$$" : ShellQuoting.quote($0) }
        let guarded = ExecutorSession.parentDeathGuard(signal: "TERM")
        let script = "exec \(guarded)\(Self.srun) \(options.joined(separator: " ")) -- \"$@\""
        return WorkerLaunch(executable: "/bin/sh", arguments: ["-c", script, tag] + [launch.executable] + launch.arguments)
    }

    /// The job name of the worker whose `srun` has this pid.
    static func workerJobName(tag: String, pid: Int32) -> String { "\(tag)-w\(pid)" }

    /// `H:MM:SS`, which Slurm rounds up to whole minutes.
    static func slurmTime(_ limit: Duration) -> String {
        let seconds = max(1, Int((Double(limit.components.seconds) + Double(limit.components.attoseconds) / 1e18).rounded(.up)))
        return "\(seconds / 3600):\(String(zeroPadded: (seconds / 60) % 60, digits: 2)):\(String(zeroPadded: seconds % 60, digits: 2))"
    }
}

/// Quoting for `/bin/sh`.
enum ShellQuoting {
    /// `text` as one word for `/bin/sh`: in single quotes unless it is plainly safe.
    static func quote(_ text: String) -> String {
        let safe = !text.isEmpty && text.unicodeScalars.allSatisfy { scalar in
            scalar.isASCIILetterOrDigit || "-_./=:,+@%".unicodeScalars.contains(scalar)
        }
        return safe ? text : "'" + text.replacingOccurrences("'", with: "'\\''") + "'"
    }
}
