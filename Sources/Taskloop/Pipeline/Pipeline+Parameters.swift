extension Pipeline {
    /// This pipeline with `overrides` (from `--param key=value`) in place of
    /// the declared defaults. Only declared parameters may be overridden, so a
    /// typo is caught instead of silently ignored.
    public func overridingParameters(_ overrides: [String: String]) throws(ParameterError) -> Pipeline {
        var copy = self
        for (name, value) in overrides.sorted(by: { $0.key < $1.key }) {
            guard parameters[name] != nil else {
                throw ParameterError(name: name, declared: parameters.keys.sorted())
            }
            copy.parameters[name] = value
        }
        return copy
    }
}

/// `--param` named a parameter the pipeline does not declare.
public struct ParameterError: Error, Sendable, Hashable {
    public var name: String
    public var declared: [String]

    public var message: String {
        if declared.isEmpty {
            return "unknown parameter `\(name)`: the pipeline declares no `params:`; add `params: { \(name): default }` to it"
        }
        return "unknown parameter `\(name)`" + PipelineProblem.suggestion(for: name, among: declared, listing: true)
    }
}
