/// Whether a step runs, is up to date, or is restored from the cache, and
/// why: a pure function of what was recorded and what is there now, so
/// every rule is tested without files.
///
/// The rules, in order:
/// 1. a step without `sources:` always runs;
/// 2. `--force` runs it;
/// 3. when its key equals the key of its last successful run here and every
///    output file still has the digest recorded then, it is up to date;
/// 4. otherwise, when the cache holds a complete result for its key (and
///    neither `cache: false` nor `--no-cache` says no), its outputs are
///    restored without running it;
/// 5. otherwise it runs, and the reason names the first difference found:
///    a parameter, a secret, the command or another field, a source file,
///    an upstream step's output, or an output file.
enum UpToDateDecision {
    enum Verdict: Sendable, Hashable {
        case upToDate
        case restore(reason: String)
        case run(reason: String)

        var reason: String {
            switch self {
            case .upToDate: return "sources, definition and outputs unchanged"
            case .restore(let reason), .run(let reason): return reason
            }
        }
    }

    struct Inputs: Sendable {
        var hasSources: Bool
        var forced: Bool
        var current: StepKey?
        /// The step's last run here, if any.
        var previous: StepRunRecord?
        /// The previous run's sources, when they could be read.
        var previousSources: [SourceDigest]?
        /// The digest of each output file of `previous` as it is now (nil: missing).
        var outputsNow: [String: String?]
        /// Whether the cache may be used for this step.
        var cacheAllowed: Bool
        /// A complete cached result for the current key.
        var cached: ActionResult?
        /// Which parts a kind's field is called in messages (`shell` is "command").
        var kindField: String?
    }

    static func decide(_ inputs: Inputs) -> Verdict {
        guard inputs.hasSources, let current = inputs.current else { return .run(reason: "no sources: always runs") }
        if inputs.forced { return .run(reason: "forced (--force)") }
        let restorable = inputs.cacheAllowed && inputs.cached != nil
        guard let previous = inputs.previous, !previous.key.isEmpty else {
            let reason = inputs.previous == nil ? "never ran" : "its last run did not succeed"
            return restorable ? .restore(reason: reason) : .run(reason: reason)
        }
        if previous.key == current.key {
            if let outputProblem = outputProblem(previous.result, now: inputs.outputsNow) {
                return restorable ? .restore(reason: outputProblem) : .run(reason: outputProblem)
            }
            if !previous.outputsStored { return .run(reason: "its outputs held a secret, which is never stored") }
            return .upToDate
        }
        let reason = difference(from: previous, previousSources: inputs.previousSources, to: current, kindField: inputs.kindField)
        return restorable ? .restore(reason: reason) : .run(reason: reason)
    }

    /// "output build/app missing" or "... changed", for the first output file that is not as recorded.
    static func outputProblem(_ result: ActionResult, now: [String: String?]) -> String? {
        for file in result.outputFiles.sorted(by: { $0.path < $1.path }) {
            switch now[file.path] {
            case .none, .some(.none): return "output \(file.path) missing"
            case .some(.some(let digest)) where digest != file.digest.hash: return "output \(file.path) changed"
            default: continue
            }
        }
        return nil
    }

    /// The first difference between the recorded key and the current one, in words.
    static func difference(from previous: StepRunRecord, previousSources: [SourceDigest]?, to current: StepKey, kindField: String?) -> String {
        let names = Set(previous.components.keys).union(current.components.keys)
        func order(_ name: String) -> (Int, String) {
            if name.hasPrefix("param:") { return (0, name) }
            if name.hasPrefix("secret:") { return (1, name) }
            if name == kindField { return (2, name) }
            if name == "env" || name == "pipeline-env" { return (3, name) }
            return (4, name)
        }
        for name in names.sorted(by: { order($0) < order($1) }) where previous.components[name] != current.components[name] {
            return describe(part: name, kindField: kindField, added: previous.components[name] == nil, removed: current.components[name] == nil)
        }
        if previous.sourcesDigest != current.sourcesDigest {
            return sourceDifference(previousSources, current.sources) ?? "sources changed"
        }
        for need in Set(previous.upstream.keys).union(current.upstream.keys).sorted() where previous.upstream[need] != current.upstream[need] {
            return previous.upstream[need] == nil || current.upstream[need] == nil
                ? "needs changed (`\(need)`)" : "upstream \(need) changed its output"
        }
        return "key changed"
    }

    private static func describe(part name: String, kindField: String?, added: Bool, removed: Bool) -> String {
        if name.hasPrefix("param:") { return "param \(name.dropFirst(6)) changed" }
        if name.hasPrefix("secret:") { return "secret \(name.dropFirst(7)) changed" }
        if name == "id" { return "step id changed" }
        if name == kindField { return kindField == "shell" ? "command changed" : "`\(name)` changed" }
        switch name {
        case "env": return "env changed"
        case "pipeline-env": return "pipeline env changed"
        default: return added ? "`\(name)` added" : removed ? "`\(name)` removed" : "`\(name)` changed"
        }
    }

    /// "source src/a.c changed" (or added, or removed): the first by path.
    static func sourceDifference(_ previous: [SourceDigest]?, _ current: [SourceDigest]) -> String? {
        guard let previous else { return nil }
        let before = Dictionary(previous.map { ($0.path, $0.digest) }, uniquingKeysWith: { first, _ in first })
        let now = Dictionary(current.map { ($0.path, $0.digest) }, uniquingKeysWith: { first, _ in first })
        for path in Set(before.keys).union(now.keys).sorted() where before[path] != now[path] {
            switch (before[path], now[path]) {
            case (nil, SourceDigest.missing?), (SourceDigest.missing?, nil): continue
            case (nil, _), (SourceDigest.missing?, _): return "source \(path) added"
            case (_, nil), (_, SourceDigest.missing?): return "source \(path) removed"
            default: return "source \(path) changed"
            }
        }
        return nil
    }
}
