import Synchronization

extension ShellStep {
    /// Runs the command on `executor` instead of this machine: the same
    /// process handling as a local command (streamed output, SIGTERM then
    /// SIGKILL on cancel), around `srun …` or `ssh …` instead of `/bin/sh`.
    func run(on executor: Executor, in context: StepContext) async throws -> StepOutputs {
        switch executor.kind {
        case .slurm(let configuration):
            return try await runOnSlurm(SlurmCommand(configuration: configuration), in: context)
        case .ssh(let configuration):
            let host = SSHHosts.next(of: executor.name, among: configuration.hosts)
            context.reportLane(host)
            let command = SSHCommand(configuration: configuration)
            var outputs = try await run(in: context) { outputPath in
                var environment = context.environment
                environment["TASKLOOP_STEP"] = context.stepID.rawValue
                environment["TASKLOOP_OUTPUT"] = outputPath
                return command.shell(
                    self.command, host: host, folder: context.workingDirectory, environment: environment,
                    grace: context.terminationGracePeriod)
            }
            outputs["host"] = .string(host)
            return outputs
        }
    }

    private func runOnSlurm(_ slurm: SlurmCommand, in context: StepContext) async throws -> StepOutputs {
        ExecutorSession.startGuardian()
        let jobName = "\(ExecutorSession.tag)-\(context.stepID).\(context.attempt)"
        context.reportLane("slurm")
        let commandLine = ExecutorSession.parentDeathArguments(signal: "TERM")
            + slurm.shell(command, jobName: jobName, workingDirectory: context.workingDirectory)
        let launched = ContinuousClock.now
        // Set on the loop when the node says the command started.
        let start = Mutex<(task: SlurmTaskStart, queued: Duration)?>(nil)
        let watch = StartMarkerWatch(prefix: SlurmTaskStart.markerPrefix) { rest in
            guard let task = SlurmTaskStart(markerRest: rest) else { return }
            start.withLock { $0 = (task, ContinuousClock.now - launched) }
            context.reportRunning(on: task.place(insideAllocation: SlurmTaskStart.insideAllocation), queue: "slurm")
        }
        var outputs: StepOutputs
        do {
            outputs = try await run(in: context, watching: watch) { _ in commandLine }
        } catch var failure as StepFailure {
            let started = start.withLock { $0 }
            if let task = started?.task {
                failure.outputs["slurm-job-id"] = .string(task.jobID)
                failure.outputs["slurm-node"] = .string(task.node)
            }
            if let job = await SlurmJobInfo.lookupEnded(name: jobName) {
                context.reportLane(job.place)
                failure.outputs["slurm-job-id"] = .string(job.jobID)
                if job.endedBySlurm { failure.message += "; \(job.ending)" }
            } else if started == nil {
                failure.message += "; its Slurm job never started running"
            }
            throw failure
        }
        let started = start.withLock { $0 }
        if let (task, queued) = started {
            outputs["slurm-job-id"] = .string(task.jobID)
            outputs["slurm-node"] = .string(task.node)
            if SlurmTaskStart.insideAllocation { outputs["slurm-step-id"] = .string("\(task.jobID).\(task.stepID)") }
            outputs["slurm-queue-wait-seconds"] = .number((queued / .milliseconds(1)).rounded() / 1000)
        }
        if let job = await SlurmJobInfo.lookup(name: jobName) {
            context.reportLane(job.place)
            outputs["slurm-job-id"] = .string(job.jobID)
            outputs["slurm-node"] = .string(job.node)
            if started == nil, let wait = job.queueWaitSeconds { outputs["slurm-queue-wait-seconds"] = JSONValue(wait) }
            // `srun` exits 0 when the job's node failed under it (it reports
            // "Node failure" and stops waiting): the job's state tells.
            if job.endedBySlurm, job.state != "PENDING" {
                throw StepFailure("its Slurm job ended before the command did; \(job.ending)", outputs: outputs)
            }
        }
        return outputs
    }
}

/// Which host of an ssh executor runs the next shell step: each in turn.
enum SSHHosts {
    private static let next = Mutex<[String: Int]>([:])

    static func next(of executor: String, among hosts: [String]) -> String {
        let index = next.withLock { counters in
            defer { counters[executor, default: 0] += 1 }
            return counters[executor, default: 0]
        }
        return hosts[index % hosts.count]
    }
}
