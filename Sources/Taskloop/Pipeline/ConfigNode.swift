/// A YAML value as the pipeline file wrote it, with the place of every part.
///
/// The loader turns libyaml's tree into these once; step kinds (built-in and
/// plugin) read their configuration from them with the typed accessors in
/// `ConfigNode+Reading.swift`, which throw ``PipelineDiagnostics`` that point
/// at the offending value.
public struct ConfigNode: Sendable, Hashable, Codable {
    public enum Content: Sendable, Hashable, Codable {
        /// A scalar's text; `isPlain` is false for quoted and block scalars,
        /// which are always strings (`"1"` is text, `1` may be a number).
        case scalar(String, isPlain: Bool)
        case sequence([ConfigNode])
        case mapping([Entry])
    }

    public struct Entry: Sendable, Hashable, Codable {
        public var key: ConfigNode
        public var value: ConfigNode

        public init(key: ConfigNode, value: ConfigNode) {
            self.key = key
            self.value = value
        }

        /// The key's text (keys are scalars; the loader rejects others).
        public var name: String { key.scalarText ?? "" }
    }

    public var content: Content
    public var location: SourceLocation

    public init(_ content: Content, at location: SourceLocation) {
        self.content = content
        self.location = location
    }

    public var scalarText: String? {
        if case .scalar(let text, _) = content { return text }
        return nil
    }

    /// The keys of a mapping (empty for anything else).
    public var mappingKeys: [String] {
        if case .mapping(let entries) = content { return entries.map(\.name) }
        return []
    }

    /// True for `~`, `null` and an empty plain scalar (YAML 1.2 core schema).
    public var isNull: Bool {
        guard case .scalar(let text, let isPlain) = content, isPlain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(text)
    }

    /// Words for error messages: "a list", "a mapping", "the number 3".
    public var shapeDescription: String {
        switch content {
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .scalar(let text, let isPlain):
            if isNull { return "nothing (null)" }
            if isPlain, Self.bool(text) != nil { return "the boolean `\(text)`" }
            if isPlain, Double(text) != nil { return "the number `\(text)`" }
            return "the text `\(text.count > 40 ? String(text.prefix(40)) + "…" : text)`"
        }
    }

    static func bool(_ text: String) -> Bool? {
        switch text {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: return nil
        }
    }
}
