/// Where a step's processes run when not on this machine: a named entry of
/// the pipeline's `executors:`. A shell step names one with `executor:`, the
/// CPU workers with `limits.workers.executor`; `taskloop run --executor NAME`
/// puts every shell step and the workers on one.
///
/// An executor only changes how a process is started (`srun …` or `ssh -T
/// host …` in front of it); everything else (output streaming, the worker
/// protocol, timeouts) stays the same. Executors assume a file system shared
/// with this machine: the pipeline's folder, the run's folder and the
/// `taskloop` binary are at the same paths on every node.
public struct Executor: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case slurm(SlurmConfiguration)
        case ssh(SSHConfiguration)
    }

    /// The key under `executors:`.
    public var name: String
    public var kind: Kind
    /// Where the executor is declared (diagnostics point at it).
    public var location: SourceLocation?

    public init(name: String, kind: Kind, location: SourceLocation? = nil) {
        self.name = name
        self.kind = kind
        self.location = location
    }

    /// The name `--executor` takes to run everything on this machine.
    public static let localName = "local"
}

/// `slurm: { partition: debug, cpus: 1, mem: 1G, time: 10m, args: [] }`:
/// each process is a Slurm job (or, inside an allocation, a job step)
/// started with `srun`.
public struct SlurmConfiguration: Sendable, Hashable {
    /// `--partition`; nil leaves Slurm's default.
    public var partition: String?
    /// `--cpus-per-task`.
    public var cpus: Int?
    /// `--mem`, as Slurm writes it (`512M`, `1G`).
    public var memory: String?
    /// `--time`: the job's limit; Slurm ends the job when it is reached.
    public var timeLimit: Duration?
    /// More `srun` options, passed as given (`[--constraint=avx2, --qos=high]`).
    public var arguments: [String]

    public init(partition: String? = nil, cpus: Int? = nil, memory: String? = nil, timeLimit: Duration? = nil, arguments: [String] = []) {
        self.partition = partition
        self.cpus = cpus
        self.memory = memory
        self.timeLimit = timeLimit
        self.arguments = arguments
    }
}

/// `ssh: { hosts: [node1, node2], args: [] }`: each process runs on one of
/// the hosts (in turn) through `ssh -T`.
public struct SSHConfiguration: Sendable, Hashable {
    /// Destinations as `ssh` takes them (`node1`, `user@node2`).
    public var hosts: [String]
    /// More `ssh` options, passed as given (`[-p, "2222", -i, ~/.ssh/ci]`).
    public var arguments: [String]

    public init(hosts: [String], arguments: [String] = []) {
        self.hosts = hosts
        self.arguments = arguments
    }
}
