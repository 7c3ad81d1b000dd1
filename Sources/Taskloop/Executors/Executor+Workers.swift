import Synchronization

extension Pipeline {
    /// The pipeline with every shell step and the workers on executor `name`
    /// (`taskloop run --executor NAME`), or all on this machine for `local`.
    public func overridingExecutor(_ name: String) throws(ExecutorOverrideError) -> Pipeline {
        var pipeline = self
        let reference: ExecutorReference?
        if name == Executor.localName {
            reference = nil
        } else if let executor = executors[name] {
            reference = ExecutorReference(name: name, location: executor.location ?? SourceLocation(file: file, line: 1, column: 1))
        } else {
            throw ExecutorOverrideError(name: name, known: executors.keys.sorted())
        }
        pipeline.limits.workerExecutor = reference
        for index in pipeline.steps.indices where pipeline.steps[index].kindName == ShellStep.name {
            pipeline.steps[index].executor = reference
        }
        return pipeline
    }

    /// How this pipeline's workers start: `base` itself, or wrapped in the
    /// command of `limits.workers.executor`.
    public func workerLaunch(_ base: WorkerLaunch) -> WorkerLaunch {
        guard let name = limits.workerExecutor?.name, let executor = executors[name] else { return base }
        var launch: WorkerLaunch
        switch executor.kind {
        case .slurm(let configuration):
            ExecutorSession.startGuardian()
            launch = SlurmCommand(configuration: configuration).worker(base, tag: ExecutorSession.tag, workingDirectory: PipelineRunner.absolute(directory))
        case .ssh(let configuration):
            launch = SSHCommand(configuration: configuration).worker(base)
        }
        launch.executor = executor
        return launch
    }
}

/// `--executor NAME` names no executor of the pipeline.
public struct ExecutorOverrideError: Error, Sendable, CustomStringConvertible {
    public var name: String
    public var known: [String]

    public var description: String {
        let choices = known.isEmpty ? "the pipeline declares no `executors:`" : "declared: \(known.map { "`\($0)`" }.joined(separator: ", "))"
        return "--executor `\(name)`: no such executor (\(choices)); `--executor local` runs everything on this machine"
    }
}

/// What the pool reports about a worker that runs on an executor: the lane
/// named by host and Slurm job, and Slurm's word on why a worker ended.
enum RemoteWorkers {
    /// Slurm's record of each worker, by the pid of its local `srun`.
    private static let jobs = Mutex<[Int32: SlurmJobInfo]>([:])

    /// `worker-2 · vm · job 14` (Slurm), `worker-2 · node1` is not known for
    /// ssh (the host is chosen by the launch), so ssh workers keep `worker-2`.
    static func lane(slot: Int, pid: Int32, launch: WorkerLaunch) async -> String {
        let base = "worker-\(slot)"
        guard case .slurm = launch.executor?.kind else { return base }
        if let known = jobs.withLock({ $0[pid] }) { return "\(base) · \(known.place)" }
        guard let job = await SlurmJobInfo.lookup(name: SlurmCommand.workerJobName(tag: ExecutorSession.tag, pid: pid)) else { return base }
        jobs.withLock { $0[pid] = job }
        return "\(base) · \(job.place)"
    }

    /// `; Slurm job 14 on vm ended CANCELLED` for a worker whose job Slurm
    /// ended; empty otherwise.
    static func ending(pid: Int32, launch: WorkerLaunch) async -> String {
        guard case .slurm = launch.executor?.kind else { return "" }
        jobs.withLock { _ = $0.removeValue(forKey: pid) }
        guard let job = await SlurmJobInfo.lookupEnded(name: SlurmCommand.workerJobName(tag: ExecutorSession.tag, pid: pid)) else { return "" }
        return job.state == "COMPLETED" ? "" : "; \(job.ending)"
    }
}
