/// A step's `sources:`, `generates:` and `cache:`: what it reads and writes,
/// so that a run can skip it when nothing it reads changed, or restore what it
/// writes from the local cache.
public struct IncrementalSettings: Sendable, Hashable {
    /// Globs of the files the step reads, relative to its `cwd`; nil when the
    /// step has no `sources:` (it always runs).
    public var sources: [GlobPattern]?
    /// Globs of the files the step writes, relative to its `cwd`.
    public var generates: [GlobPattern] = []
    /// `cache: false` keeps the step's results out of the local cache.
    public var cache = true

    public init(sources: [GlobPattern]? = nil, generates: [GlobPattern] = [], cache: Bool = true) {
        self.sources = sources
        self.generates = generates
        self.cache = cache
    }

    /// Whether a run has anything to check or record for the step.
    public var isIncremental: Bool { sources != nil || !generates.isEmpty }

    /// Reads the three keys of a step's mapping; every bad pattern is reported at its place.
    static func decode(_ mapping: ConfigMapping) throws(PipelineDiagnostics) -> IncrementalSettings {
        var settings = IncrementalSettings()
        var problems: [Diagnostic] = []
        func patterns(_ key: String) -> [GlobPattern]? {
            guard let node = mapping[key] else { return nil }
            do {
                let items = try node.stringList(field: mapping.name(of: key), expected: "a glob or a list of globs")
                var result: [GlobPattern] = []
                for item in items {
                    do { result.append(try GlobPattern(item.scalarText ?? "")) } catch {
                        problems.append(Diagnostic(.invalidValue(field: "`\(item.scalarText ?? "")` in \(mapping.name(of: key))", reason: error.description), at: item.location))
                    }
                }
                return result
            } catch {
                problems += error.diagnostics
                return nil
            }
        }
        settings.sources = patterns("sources")
        settings.generates = patterns("generates") ?? []
        do {
            settings.cache = try mapping.bool("cache") ?? true
        } catch {
            problems += error.diagnostics
        }
        if !problems.isEmpty { throw PipelineDiagnostics(problems) }
        return settings
    }
}
