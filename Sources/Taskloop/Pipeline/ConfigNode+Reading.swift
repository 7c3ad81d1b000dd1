/// Typed reads of a configuration value. Each throws a diagnostic that names
/// the field, says what was expected and points at the value.
extension ConfigNode {
    public func string(field: String) throws(PipelineDiagnostics) -> String {
        switch content {
        case .scalar(let text, _) where !isNull:
            return text
        default:
            throw mismatch(field: field, expected: "text")
        }
    }

    public func bool(field: String) throws(PipelineDiagnostics) -> Bool {
        guard case .scalar(let text, true) = content, let value = Self.bool(text) else {
            throw mismatch(field: field, expected: "`true` or `false`")
        }
        return value
    }

    public func int(field: String, range: ClosedRange<Int>? = nil) throws(PipelineDiagnostics) -> Int {
        guard case .scalar(let text, true) = content, let value = Int(text) else {
            throw mismatch(field: field, expected: "a whole number")
        }
        if let range, !range.contains(value) {
            throw PipelineDiagnostics(
                .invalidValue(field: field, reason: "\(value) is out of range; use \(range.lowerBound) to \(range.upperBound)"),
                at: location)
        }
        return value
    }

    public func duration(field: String) throws(PipelineDiagnostics) -> Duration {
        guard case .scalar(let text, _) = content, !isNull else {
            throw mismatch(field: field, expected: "a duration such as 250ms, 1.5s or 2m")
        }
        guard let value = Duration(parsing: text) else {
            throw PipelineDiagnostics(.badDuration(text, field: field), at: location)
        }
        return value
    }

    /// One string, or a list of them (`needs: a` and `needs: [a, b]`).
    public func stringList(field: String, expected: String = "text or a list of text") throws(PipelineDiagnostics) -> [ConfigNode] {
        switch content {
        case .sequence(let items):
            var problems: [Diagnostic] = []
            for item in items {
                do { _ = try item.string(field: "each entry of \(field)") } catch { problems += error.diagnostics }
            }
            if !problems.isEmpty { throw PipelineDiagnostics(problems) }
            return items
        case .scalar where !isNull:
            return [self]
        default:
            throw mismatch(field: field, expected: expected)
        }
    }

    /// A mapping of names to scalar values (`env:`, `params:`, `headers:`);
    /// numbers and booleans are kept as written.
    public func stringMap(field: String) throws(PipelineDiagnostics) -> [(key: String, value: String, location: SourceLocation)] {
        guard case .mapping(let entries) = content else {
            throw mismatch(field: field, expected: "a mapping of names to values")
        }
        var result: [(key: String, value: String, location: SourceLocation)] = []
        var problems: [Diagnostic] = []
        for entry in entries {
            if entry.value.isNull {
                result.append((entry.name, "", entry.key.location))
                continue
            }
            guard case .scalar(let text, _) = entry.value.content else {
                problems += entry.value.mismatch(field: "`\(entry.name)` in \(field)", expected: "text, a number or a boolean").diagnostics
                continue
            }
            result.append((entry.name, text, entry.key.location))
        }
        if !problems.isEmpty { throw PipelineDiagnostics(problems) }
        return result
    }

    /// Reads a mapping whose keys must come from `known`; every unknown key is
    /// reported at once, each with the nearest known name.
    public func mapping(field: String, known: [String]) throws(PipelineDiagnostics) -> ConfigMapping {
        guard case .mapping(let entries) = content else {
            throw mismatch(field: field, expected: "a mapping")
        }
        let unknown = entries.filter { !known.contains($0.name) }
        if !unknown.isEmpty {
            throw PipelineDiagnostics(unknown.map {
                Diagnostic(.unknownKey($0.name, context: field, known: known), at: $0.key.location)
            })
        }
        return ConfigMapping(entries: entries, location: location, field: field)
    }

    public func mismatch(field: String, expected: String) -> PipelineDiagnostics {
        PipelineDiagnostics(.wrongType(field: field, expected: expected, found: shapeDescription), at: location)
    }
}

/// A mapping whose keys were checked, read field by field.
public struct ConfigMapping: Sendable {
    public let entries: [ConfigNode.Entry]
    public let location: SourceLocation
    /// The words that name this mapping in messages ("step `build`", "`file` of step `notes`").
    public let field: String

    public subscript(key: String) -> ConfigNode? {
        entries.first(where: { $0.name == key })?.value
    }

    public func contains(_ key: String) -> Bool { self[key] != nil }

    /// The value of a field that must be present.
    public func required(_ key: String) throws(PipelineDiagnostics) -> ConfigNode {
        guard let value = self[key] else {
            throw PipelineDiagnostics(.missingField(key, context: field), at: location)
        }
        return value
    }

    /// "`timeout` of step `build`": how messages name one of these fields.
    public func name(of key: String) -> String { "`\(key)` of \(field)" }

    public func string(_ key: String) throws(PipelineDiagnostics) -> String? {
        try self[key].map { node throws(PipelineDiagnostics) in try node.string(field: name(of: key)) }
    }

    public func bool(_ key: String) throws(PipelineDiagnostics) -> Bool? {
        try self[key].map { node throws(PipelineDiagnostics) in try node.bool(field: name(of: key)) }
    }

    public func duration(_ key: String) throws(PipelineDiagnostics) -> Duration? {
        try self[key].map { node throws(PipelineDiagnostics) in try node.duration(field: name(of: key)) }
    }

    /// A time limit (`timeout`): a duration longer than 0, which would end
    /// what it limits before it began.
    public func timeLimit(_ key: String) throws(PipelineDiagnostics) -> Duration? {
        guard let node = self[key], let limit = try duration(key) else { return nil }
        if limit == .zero {
            throw PipelineDiagnostics(
                .invalidValue(field: name(of: key), reason: "a limit of 0 would end it before it began; give a duration longer than 0"),
                at: node.location)
        }
        return limit
    }
}
