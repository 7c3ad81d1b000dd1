/// Reading `executors:`, `limits.workers.executor` and a step's `executor:`
/// from a pipeline file, each problem reported where it is written.
extension Executor {
    static let kindNames = ["slurm", "ssh"]
    static let slurmKeys = ["partition", "cpus", "mem", "time", "args"]
    static let sshKeys = ["hosts", "args"]

    /// `executors: { NAME: { slurm: {...} } | { ssh: {...} } }`.
    static func decodeAll(_ node: ConfigNode) throws(PipelineDiagnostics) -> [String: Executor] {
        guard case .mapping(let entries) = node.content else {
            throw node.mismatch(field: "`executors`", expected: "a mapping from executor names to `slurm:` or `ssh:` settings")
        }
        var executors: [String: Executor] = [:]
        var problems: [Diagnostic] = []
        for entry in entries {
            if entry.name == localName || !StepID.isValid(entry.name) {
                problems.append(Diagnostic(.invalidValue(
                    field: "executor `\(entry.name)`",
                    reason: entry.name == localName
                        ? "`local` is reserved (`--executor local` runs everything on this machine); choose another name"
                        : "an executor name may contain only letters, digits, `_`, `.` and `-`"),
                    at: entry.key.location))
                continue
            }
            do {
                executors[entry.name] = try decode(entry.value, name: entry.name)
            } catch {
                problems += error.diagnostics
            }
        }
        if !problems.isEmpty { throw PipelineDiagnostics(problems) }
        return executors
    }

    static func decode(_ node: ConfigNode, name: String) throws(PipelineDiagnostics) -> Executor {
        let field = "executor `\(name)`"
        let mapping = try node.mapping(field: field, known: kindNames)
        guard mapping.entries.count == 1, let entry = mapping.entries.first else {
            throw PipelineDiagnostics(.invalidValue(
                field: field, reason: "give it exactly one of `slurm:` (run through srun) or `ssh:` (run on hosts through ssh)"),
                at: node.location)
        }
        switch entry.name {
        case "slurm":
            return Executor(name: name, kind: .slurm(try decodeSlurm(entry.value, field: "`slurm` of \(field)")), location: entry.key.location)
        default:
            return Executor(name: name, kind: .ssh(try decodeSSH(entry.value, field: "`ssh` of \(field)")), location: entry.key.location)
        }
    }

    private static func decodeSlurm(_ node: ConfigNode, field: String) throws(PipelineDiagnostics) -> SlurmConfiguration {
        if node.isNull { return SlurmConfiguration() }
        var problems: [Diagnostic] = []
        let mapping: ConfigMapping
        do {
            mapping = try node.mapping(field: field, known: slurmKeys)
        } catch {
            // An unknown key is reported, and the known ones are still read.
            problems += error.diagnostics
            guard case .mapping(let entries) = node.content else { throw error }
            mapping = ConfigMapping(entries: entries.filter { slurmKeys.contains($0.name) }, location: node.location, field: field)
        }
        var configuration = SlurmConfiguration()
        func read(_ body: () throws(PipelineDiagnostics) -> Void) {
            do { try body() } catch { problems += error.diagnostics }
        }
        read { () throws(PipelineDiagnostics) in configuration.partition = try mapping.string("partition") }
        read { () throws(PipelineDiagnostics) in
            configuration.cpus = try mapping["cpus"].map { node throws(PipelineDiagnostics) in try node.int(field: mapping.name(of: "cpus"), range: 1...100_000) }
        }
        read { () throws(PipelineDiagnostics) in
            guard let node = mapping["mem"] else { return }
            let text = try node.string(field: mapping.name(of: "mem"))
            guard isSlurmMemory(text) else {
                throw PipelineDiagnostics(.invalidValue(
                    field: mapping.name(of: "mem"), reason: "`\(text)` is not a memory size as Slurm writes it: a whole number and an optional unit K, M, G or T, such as 512M or 4G"),
                    at: node.location)
            }
            configuration.memory = text
        }
        read { () throws(PipelineDiagnostics) in
            guard let node = mapping["time"] else { return }
            let limit = try node.duration(field: mapping.name(of: "time"))
            guard limit >= .seconds(1) else {
                throw PipelineDiagnostics(.invalidValue(field: mapping.name(of: "time"), reason: "a Slurm time limit must be at least 1s (Slurm counts whole minutes)"), at: node.location)
            }
            configuration.timeLimit = limit
        }
        read { () throws(PipelineDiagnostics) in configuration.arguments = try arguments(mapping) }
        if !problems.isEmpty { throw PipelineDiagnostics(problems) }
        return configuration
    }

    private static func decodeSSH(_ node: ConfigNode, field: String) throws(PipelineDiagnostics) -> SSHConfiguration {
        let mapping = try node.mapping(field: field, known: sshKeys)
        let hostsNode = try mapping.required("hosts")
        let hosts = try hostsNode.stringList(field: mapping.name(of: "hosts"), expected: "a host or a list of hosts").map { $0.scalarText ?? "" }
        if hosts.isEmpty || hosts.contains(where: { $0.isEmpty || $0.hasPrefix("-") || $0.contains(where: \.isWhitespace) }) {
            throw PipelineDiagnostics(.invalidValue(
                field: mapping.name(of: "hosts"), reason: "list at least one host, each as ssh takes it (`node1`, `user@node2`), without spaces or a leading `-`"),
                at: hostsNode.location)
        }
        return SSHConfiguration(hosts: hosts, arguments: try arguments(mapping))
    }

    private static func arguments(_ mapping: ConfigMapping) throws(PipelineDiagnostics) -> [String] {
        guard let node = mapping["args"] else { return [] }
        guard case .sequence = node.content else {
            throw node.mismatch(field: mapping.name(of: "args"), expected: "a list of command-line arguments")
        }
        return try node.stringList(field: mapping.name(of: "args")).map { $0.scalarText ?? "" }
    }

    /// `512`, `512M`, `4G`: what `srun --mem` takes.
    static func isSlurmMemory(_ text: String) -> Bool {
        var digits = Substring(text)
        if let last = digits.last, "KMGTkmgt".contains(last) { digits = digits.dropLast() }
        return !digits.isEmpty && digits.allSatisfy(\.isASCII) && digits.allSatisfy(\.isNumber)
    }
}

/// A use of an executor by name (a step's `executor:`, `limits.workers.executor`).
public struct ExecutorReference: Sendable, Hashable {
    public var name: String
    public var location: SourceLocation

    public init(name: String, location: SourceLocation) {
        self.name = name
        self.location = location
    }
}

extension PipelineLoader {
    /// Every reference to an executor names a declared one, and only shell
    /// steps name one (CPU steps run on the workers, which have their own).
    static func executorProblems(in pipeline: Pipeline) -> [Diagnostic] {
        var problems: [Diagnostic] = []
        let known = pipeline.executors.keys.sorted()
        func check(_ reference: ExecutorReference, user: String) {
            guard pipeline.executors[reference.name] == nil else { return }
            let declared = known.isEmpty
                ? "; the pipeline declares no executors: add `executors: { \(reference.name): { slurm: { partition: debug } } }`"
                : PipelineProblem.suggestion(for: reference.name, among: known, listing: true)
            problems.append(Diagnostic(.invalidValue(field: user, reason: "no executor `\(reference.name)` is declared under `executors`\(declared)"), at: reference.location))
        }
        if let reference = pipeline.limits.workerExecutor { check(reference, user: "`executor` of `limits.workers`") }
        for step in pipeline.steps {
            guard let reference = step.executor else { continue }
            if step.runsInWorker {
                problems.append(Diagnostic(.invalidValue(
                    field: "`executor` of step `\(step.id)`",
                    reason: "a CPU step runs in a worker process; put the workers on an executor with `limits: { workers: { count: 8, executor: \(reference.name) } }`"),
                    at: reference.location))
            } else if step.kindName != ShellStep.name {
                problems.append(Diagnostic(.invalidValue(
                    field: "`executor` of step `\(step.id)`",
                    reason: "only `shell` steps run on an executor; a `\(step.kindName)` step runs on this machine's event loop"),
                    at: reference.location))
            } else {
                check(reference, user: "`executor` of step `\(step.id)`")
            }
        }
        return problems
    }

    /// `limits.workers` as a mapping: `{ count: 8, executor: cluster }`.
    static func workerLimits(_ node: ConfigNode, field: String, into limits: inout Limits) throws(PipelineDiagnostics) {
        let mapping = try node.mapping(field: field, known: ["count", "executor"])
        var problems: [Diagnostic] = []
        if let count = mapping["count"], count.scalarText != "auto" {
            do { limits.workers = try count.int(field: mapping.name(of: "count") + " (`auto` or a number)", range: 1...4096) } catch { problems += error.diagnostics }
        }
        if let executor = mapping["executor"] {
            do { limits.workerExecutor = ExecutorReference(name: try executor.string(field: mapping.name(of: "executor")), location: executor.location) } catch { problems += error.diagnostics }
        }
        if !problems.isEmpty { throw PipelineDiagnostics(problems) }
    }
}
