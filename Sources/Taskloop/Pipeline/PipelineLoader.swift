import Foundation

/// Reads a pipeline file, decodes it, and validates it, reporting every
/// problem it finds with its line and column.
public struct PipelineLoader: Sendable {
    public let registry: StepKindRegistry

    static let topLevelKeys = ["name", "env", "params", "secrets", "limits", "timeout", "include", "steps", "executors"]
    static let limitKeys = ["io", "workers", "pools"]
    static let commonStepKeys = ["needs", "if", "timeout", "retry", "pool", "env", "cwd", "continue-on-error", "uses", "with", "matrix", "executor",
        "sources", "generates", "cache"]

    /// Every key a step may have: the common ones and each kind's.
    private let knownStepKeys: [String]

    public init(registry: StepKindRegistry = .builtIn) {
        self.registry = registry
        self.knownStepKeys = Self.commonStepKeys + registry.builtInNames + ["cpu"]
    }

    /// Reads and loads the file at `path`, and the files it includes
    /// (blocking reads: call it before the run's event loop starts, as the
    /// CLI does).
    public func load(file path: String) throws(PipelineLoadError) -> Pipeline {
        switch Self.readText(path) {
        case .success(let text):
            return try load(contents: text, file: path)
        case .failure(.notUTF8):
            throw PipelineLoadError(file: path, source: nil, diagnostics: [
                Diagnostic(.fileNotUTF8(path), at: SourceLocation(file: path, line: 1, column: 1))
            ])
        case .failure(let failure):
            let problem: PipelineProblem
            switch failure {
            case .notFound: problem = .fileNotFound(path)
            case .folder: problem = .fileIsFolder(path)
            case .notRegularFile(let kind): problem = .fileNotRegular(path, kind: kind)
            case .notUTF8: problem = .fileNotUTF8(path)
            case .unreadable(let reason): problem = .fileUnreadable(path, reason: reason)
            }
            throw PipelineLoadError(file: path, source: nil, diagnostics: [Diagnostic(problem, at: nil)])
        }
    }

    /// Loads a pipeline from `contents`, the text of `file`. Files named by
    /// `include:` are read from disk, relative to `file`'s folder.
    public func load(contents: String, file: String) throws(PipelineLoadError) -> Pipeline {
        var problems: [Diagnostic] = []
        let root: ConfigNode
        do {
            root = try YAMLDocument.parse(contents, file: file)
        } catch {
            throw PipelineLoadError(file: file, source: contents, diagnostics: error.diagnostics)
        }

        func collect<T>(_ body: () throws(PipelineDiagnostics) -> T) -> T? {
            Self.collecting(into: &problems, body)
        }

        let defaultName = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        var pipeline = Pipeline(
            name: defaultName, file: file, directory: Self.directory(of: file), steps: [])
        guard case .mapping(let topEntries) = root.content else {
            throw PipelineLoadError(file: file, source: contents, diagnostics: [Diagnostic(
                .wrongType(field: "the pipeline", expected: "a mapping with `steps:` (and optionally `name`, `env`, `params`, `limits`)", found: root.shapeDescription),
                at: root.location)])
        }
        // Unknown keys are reported; the known ones are still read, so one typo
        // does not hide the file's other problems.
        _ = collect { () throws(PipelineDiagnostics) in try root.mapping(field: "the pipeline", known: Self.topLevelKeys) }
        let top = ConfigMapping(entries: topEntries.filter { Self.topLevelKeys.contains($0.name) }, location: root.location, field: "the pipeline")
        if let name = collect({ () throws(PipelineDiagnostics) in try top.string("name") }) ?? nil { pipeline.name = name }
        if let env = top["env"], let environment = collect({ () throws(PipelineDiagnostics) in try Self.environment(env, field: "`env`") }) {
            pipeline.environment = environment
        }
        if let params = top["params"], let entries = collect({ () throws(PipelineDiagnostics) in try params.stringMap(field: "`params`") }) {
            pipeline.parameters = Dictionary(entries.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
        }
        if let timeout = collect({ () throws(PipelineDiagnostics) in try top.timeLimit("timeout") }) { pipeline.timeout = timeout }
        if let secrets = top["secrets"], let names = collect({ () throws(PipelineDiagnostics) in try Self.secretNames(secrets) }) {
            pipeline.secrets = names
        }
        if let executors = top["executors"], let value = collect({ () throws(PipelineDiagnostics) in try Executor.decodeAll(executors) }) {
            pipeline.executors = value
        }
        if let limits = top["limits"], let value = collect({ () throws(PipelineDiagnostics) in try Self.limits(limits) }) {
            pipeline.limits = value
        }

        // The steps as the files declare them: those of included files first,
        // in `include:` order, then the file's own.
        var sources = PipelineSources(main: file, text: contents)
        var declared: [ConfigNode.Entry] = []
        if let include = top["include"] {
            declared += includedSteps(include, from: file, chain: [(file, Self.canonicalPath(file))], sources: &sources, problems: &problems)
        }
        if let stepsNode = top["steps"] {
            declared += stepEntries(stepsNode, problems: &problems)
        } else if top["include"] == nil, !topEntries.contains(where: { NearestName.find($0.name, among: ["steps"]) != nil }) {
            // (A misspelt `steps:` was reported above with its suggestion.)
            problems.append(Diagnostic(.noSteps, at: root.location))
        } else if top["include"] != nil, declared.isEmpty, problems.isEmpty {
            problems.append(Diagnostic(.noSteps, at: root.location))
        }
        declared = Self.withoutDuplicateIDs(declared, problems: &problems)

        // Each declared step as one or more steps (a matrix makes several),
        // decoded; `expanded[i]` is how `pipeline.steps[i]` was written.
        var expanded: [ExpandedStep] = []
        for entry in declared {
            for step in expand(entry, problems: &problems) {
                let (decoded, stepProblems) = decodeStep(id: step.name, as: StepID(step.id), entry: step.entry, pools: pipeline.limits.pools)
                problems += stepProblems
                if let decoded {
                    pipeline.steps.append(decoded)
                    expanded.append(step)
                }
            }
        }
        let expansions = Self.expansions(of: expanded)
        Self.resolveNeeds(of: &pipeline.steps, expansions: expansions)

        problems += Self.executorProblems(in: pipeline)
        problems += PipelineValidator(pipeline: pipeline, names: expanded.map(\.name), knownNames: expansions.keys.sorted()).validate()
        problems += checkExpressions(of: &pipeline, steps: expanded, expansions: expansions, sources: sources.texts.mapValues(SourceText.init))
        var seen = Set<Diagnostic>()
        problems = problems.filter { seen.insert($0).inserted }
        if problems.contains(where: { $0.severity == .error }) {
            throw PipelineLoadError(file: file, source: contents, sources: sources.texts, diagnostics: problems)
        }
        pipeline.warnings = problems.filter { $0.severity == .warning }
        return pipeline
    }

    /// An `env:` mapping. A name must be one a process can receive: not
    /// empty, and without `=`, which would end the name there (`A=B: 1`
    /// would set `A` to `B=1`).
    static func environment(_ node: ConfigNode, field: String) throws(PipelineDiagnostics) -> [String: String] {
        let entries = try node.stringMap(field: field)
        let problems = entries.filter { $0.key.isEmpty || $0.key.contains("=") }.map { entry in
            Diagnostic(.invalidValue(
                field: field,
                reason: entry.key.isEmpty
                    ? "an environment variable needs a name, and this one is empty"
                    : "`\(entry.key)` cannot name an environment variable: a name holds no `=` (it would end the name there)"),
                at: entry.location)
        }
        if !problems.isEmpty { throw PipelineDiagnostics(problems) }
        return Dictionary(entries.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
    }

    /// `secrets: [TOKEN, DB_PASSWORD]`: names of environment variables.
    static func secretNames(_ node: ConfigNode) throws(PipelineDiagnostics) -> [String] {
        var names: [String] = []
        var problems: [Diagnostic] = []
        for item in try node.stringList(field: "`secrets`", expected: "a list of environment variable names") {
            let name = (try? item.string(field: "`secrets`")) ?? ""
            if Self.isEnvironmentName(name) {
                names.append(name)
            } else {
                problems.append(Diagnostic(.invalidValue(
                    field: "`secrets`",
                    reason: "`\(name)` is not an environment variable name; use letters, digits and `_`, not starting with a digit (the value itself never goes in the file)"),
                    at: item.location))
            }
        }
        if !problems.isEmpty { throw PipelineDiagnostics(problems) }
        return names
    }

    static func isEnvironmentName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || first.isASCIILetter else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || $0.isASCIILetterOrDigit }
    }

    /// The entries of a `steps:` mapping, each id checked.
    func stepEntries(_ stepsNode: ConfigNode, problems: inout [Diagnostic]) -> [ConfigNode.Entry] {
        switch stepsNode.content {
        case .mapping(let entries):
            if entries.isEmpty { problems.append(Diagnostic(.noSteps, at: stepsNode.location)) }
            for entry in entries where !StepID.isValid(entry.name) {
                problems.append(Diagnostic(.badStepID(entry.name), at: entry.key.location))
            }
            return entries
        case _ where stepsNode.isNull:
            problems.append(Diagnostic(.noSteps, at: stepsNode.location))
        default:
            problems += stepsNode.mismatch(field: "`steps`", expected: "a mapping from step ids to steps").diagnostics
        }
        return []
    }

    /// `steps`, without a second step of the same id (from another file:
    /// duplicates in one file are duplicate YAML keys), each reported with
    /// the place of the first.
    static func withoutDuplicateIDs(_ steps: [ConfigNode.Entry], problems: inout [Diagnostic]) -> [ConfigNode.Entry] {
        var first: [String: SourceLocation] = [:]
        first.reserveCapacity(steps.count)
        return steps.filter { entry in
            if let location = first[entry.name] {
                problems.append(Diagnostic(.duplicateStepID(entry.name, first: location), at: entry.key.location))
                return false
            }
            first[entry.name] = entry.key.location
            return true
        }
    }

    /// Decodes one step. A step whose kind or fields are wrong still comes
    /// back (with a placeholder action) when its `needs` could be read, so
    /// that reference and cycle checks report their problems too.
    /// `id` is the step's id as written (what messages name), `stepID` its
    /// own (a matrix combination's).
    private func decodeStep(id: String, as stepID: StepID, entry: ConfigNode.Entry, pools: [String: Int]) -> (Step?, [Diagnostic]) {
        let field = "step `\(id)`"
        let known = knownStepKeys
        var problems: [Diagnostic] = []
        let mapping: ConfigMapping
        do {
            mapping = try entry.value.mapping(field: field, known: known)
        } catch {
            problems += error.diagnostics
            guard case .mapping(let entries) = entry.value.content else { return (nil, problems) }
            // Read the known keys anyway, so one typo does not hide other problems.
            mapping = ConfigMapping(entries: entries.filter { known.contains($0.name) }, location: entry.value.location, field: field)
        }
        func collect<T>(_ body: () throws(PipelineDiagnostics) -> T) -> T? {
            Self.collecting(into: &problems, body)
        }

        let kindEntries = mapping.entries.filter { registry.builtInNames.contains($0.name) || $0.name == "uses" || $0.name == "cpu" }
        var action: (any StepKind)?
        var deferred: DeferredConfiguration?
        var kindName = ""
        // A misspelt kind (`shel:`) was already reported with its suggestion.
        let misspeltKind = entry.value.mappingKeys.contains { key in
            !known.contains(key) && NearestName.find(key, among: registry.builtInNames + ["uses", "cpu"]) != nil
        }
        if kindEntries.isEmpty, !misspeltKind {
            problems.append(Diagnostic(.missingKind(step: id, kinds: registry.builtInNames + ["cpu"]), at: entry.key.location))
        } else if kindEntries.count > 1 {
            problems.append(Diagnostic(.multipleKinds(step: id, kinds: kindEntries.map(\.name)), at: kindEntries[1].key.location))
        } else if let kindEntry = kindEntries.first {
            if kindEntry.name == "uses" {
                if let name = collect({ () throws(PipelineDiagnostics) in try kindEntry.value.string(field: mapping.name(of: "uses")) }) {
                    if let kind = registry.pluginKind(named: name) {
                        kindName = name
                        let with = mapping["with"] ?? ConfigNode(.mapping([]), at: kindEntry.value.location)
                        (action, deferred) = decodeKind(kind, from: with, field: "`with` of step `\(id)`", problems: &problems)
                    } else {
                        problems.append(Diagnostic(.unknownKind(name, step: id, known: registry.pluginNames), at: kindEntry.value.location))
                    }
                }
            } else if kindEntry.name == "cpu" {
                if let (kind, with) = collect({ () throws(PipelineDiagnostics) in try cpuKind(kindEntry.value, step: id) }) {
                    kindName = "cpu"
                    (action, deferred) = decodeKind(kind, from: with, field: "`cpu.with` of step `\(id)`", problems: &problems)
                }
            } else if let kind = registry.builtInKind(named: kindEntry.name) {
                kindName = kindEntry.name
                (action, deferred) = decodeKind(kind, from: kindEntry.value, field: "`\(kindEntry.name)` of step `\(id)`", problems: &problems)
            }
        }
        if let with = mapping.entries.first(where: { $0.name == "with" }), !mapping.contains("uses") {
            problems.append(Diagnostic(.withWithoutUses(step: id), at: with.key.location))
        }

        let needs = mapping["needs"].flatMap { node in
            collect { () throws(PipelineDiagnostics) in try node.stringList(field: mapping.name(of: "needs"), expected: "a step id or a list of step ids") }
        } ?? []
        let timeout = collect { () throws(PipelineDiagnostics) in try mapping.timeLimit("timeout") } ?? nil
        let retry = mapping["retry"].flatMap { node in
            collect { () throws(PipelineDiagnostics) in try RetryPolicy.decode(node, field: mapping.name(of: "retry")) }
        }
        let pool = collect { () throws(PipelineDiagnostics) in try mapping.string("pool") } ?? nil
        if let pool, pools[pool] == nil, let node = mapping["pool"] {
            problems.append(Diagnostic(.unknownPool(pool, step: id, known: pools.keys.sorted()), at: node.location))
        }
        let cwd = collect { () throws(PipelineDiagnostics) in try mapping.string("cwd") } ?? nil
        let continueOnError = collect { () throws(PipelineDiagnostics) in try mapping.bool("continue-on-error") } ?? nil
        var environment: [String: String] = [:]
        if let env = mapping["env"], let variables = collect({ () throws(PipelineDiagnostics) in try Self.environment(env, field: mapping.name(of: "env")) }) {
            environment = variables
        }

        let incremental = collect { () throws(PipelineDiagnostics) in try IncrementalSettings.decode(mapping) }

        var step = Step(
            id: stepID, action: action ?? UndecodableStep(), kindName: kindName,
            needs: needs.map { Step.Dependency(StepID($0.scalarText ?? ""), at: $0.location) },
            timeout: timeout, pool: pool, environment: environment, workingDirectory: cwd,
            continueOnError: continueOnError ?? false, location: entry.key.location)
        step.deferredConfiguration = deferred
        step.retry = retry
        step.definition = entry.value
        if let node = mapping["executor"], let name = collect({ () throws(PipelineDiagnostics) in try node.string(field: mapping.name(of: "executor")) }) {
            step.executor = ExecutorReference(name: name, location: node.location)
        }
        step.incremental = incremental ?? IncrementalSettings()
        return (step, problems)
    }

    /// `cpu: { function: NAME, with: {...} }`: the step kind of a built-in CPU
    /// function, and its `with:` (empty when absent).
    private func cpuKind(_ node: ConfigNode, step: String) throws(PipelineDiagnostics) -> (any StepKind.Type, ConfigNode) {
        let mapping = try node.mapping(field: "`cpu` of step `\(step)`", known: ["function", "with"])
        let nameNode = try mapping.required("function")
        let name = try nameNode.string(field: mapping.name(of: "function"))
        guard let function = registry.builtInCPUFunctions.first(where: { $0.name == name }) else {
            throw PipelineDiagnostics(
                .unknownCPUFunction(name, step: step, known: registry.builtInCPUFunctions.map { $0.name }), at: nameNode.location)
        }
        return (stepKind(of: function), mapping["with"] ?? ConfigNode(.mapping([]), at: node.location))
    }

    /// Decodes a kind's configuration. Values that hold `${{ }}` cannot be
    /// checked until run time, so problems reported at them are set aside and
    /// the configuration is kept to be decoded again, filled in, before the
    /// step runs.
    private func decodeKind(
        _ kind: any StepKind.Type, from node: ConfigNode, field: String, problems: inout [Diagnostic]
    ) -> (any StepKind, DeferredConfiguration?) {
        let templated = Set(node.scalarValues.filter { Template.containsExpression($0.scalarText ?? "") }.map(\.location))
        let deferred = templated.isEmpty ? nil : DeferredConfiguration(kind: kind, node: node, field: field)
        do {
            return (try kind.init(from: node, field: field), deferred)
        } catch {
            let remaining = error.diagnostics.filter { diagnostic in
                diagnostic.location.map { !templated.contains($0) } ?? true
            }
            problems += remaining
            return (UndecodableStep(), deferred)
        }
    }

    private static func limits(_ node: ConfigNode) throws(PipelineDiagnostics) -> Limits {
        let mapping = try node.mapping(field: "`limits`", known: limitKeys)
        var limits = Limits()
        var problems: [Diagnostic] = []
        if let io = mapping["io"] {
            do { limits.io = try io.int(field: mapping.name(of: "io"), range: 1...1_000_000) } catch { problems += error.diagnostics }
        }
        if let workers = mapping["workers"], case .mapping = workers.content {
            do { try workerLimits(workers, field: mapping.name(of: "workers"), into: &limits) } catch { problems += error.diagnostics }
        } else if let workers = mapping["workers"], workers.scalarText != "auto" {
            do {
                limits.workers = try workers.int(field: mapping.name(of: "workers") + " (`auto` or a number)", range: 1...4096)
            } catch { problems += error.diagnostics }
        }
        if let pools = mapping["pools"] {
            if case .mapping(let entries) = pools.content {
                for entry in entries {
                    do { limits.pools[entry.name] = try entry.value.int(field: "pool `\(entry.name)`", range: 1...1_000_000) } catch { problems += error.diagnostics }
                }
            } else {
                problems += pools.mismatch(field: mapping.name(of: "pools"), expected: "a mapping of pool names to limits").diagnostics
            }
        }
        if !problems.isEmpty { throw PipelineDiagnostics(problems) }
        return limits
    }

    /// The value `body` reads, or nil with its problems added to `problems`:
    /// how the loader goes on past an error to report the file's others too.
    static func collecting<T>(into problems: inout [Diagnostic], _ body: () throws(PipelineDiagnostics) -> T) -> T? {
        do { return try body() } catch {
            problems += error.diagnostics
            return nil
        }
    }

    static func directory(of file: String) -> String {
        let folder = (file as NSString).deletingLastPathComponent
        return folder.isEmpty ? "." : folder
    }
}

/// Every error (and warning) found in one pipeline file.
public struct PipelineLoadError: Error, Sendable, CustomStringConvertible {
    public var file: String
    /// The file's text, for showing the offending lines.
    public var source: String?
    /// The text of every file read, by path as diagnostics name it: the main
    /// file and the files it includes.
    public var sources: [String: String]
    /// The main file's first, then each included file's, each in file order.
    public var diagnostics: [Diagnostic]

    public init(file: String, source: String?, sources: [String: String] = [:], diagnostics: [Diagnostic]) {
        self.file = file
        self.source = source
        self.sources = sources
        func order(_ diagnostic: Diagnostic) -> (Int, String, Int, Int) {
            let location = diagnostic.location
            let path = location?.file ?? file
            return (path == file ? 0 : 1, path, location?.line ?? 0, location?.column ?? 0)
        }
        self.diagnostics = diagnostics.sorted { order($0) < order($1) }
    }

    /// Every diagnostic with its source line and caret, then a count.
    public var rendered: String {
        let errors = diagnostics.filter { $0.severity == .error }.count
        let body = Diagnostic.render(diagnostics) { path in path == file ? source : sources[path] }.joined(separator: "\n\n")
        return body + "\n\n\(errors) error\(errors == 1 ? "" : "s") in \(file)"
    }

    public var description: String { rendered }
}

/// Stands in for a step whose kind could not be decoded, so the rest of the
/// file can still be checked. A pipeline holding one is never returned.
struct UndecodableStep: StepKind {
    static let name = "undecodable"
    static let summary = ""
    static let fields: [FieldDocumentation] = []
    init() {}
    init(from configuration: ConfigNode, field: String) throws(PipelineDiagnostics) {}
    var detail: String { "" }
    func run(in context: StepContext) async throws -> StepOutputs {
        throw StepFailure("this step could not be decoded")
    }
}
