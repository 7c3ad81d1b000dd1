import Yams

/// Turns the tree Yams composed from shielded text into a ``ConfigNode``,
/// resolving aliases (see ``YAMLAliasShield``) and checking what libyaml
/// allows but a pipeline file does not: keys that are not text, keys that an
/// alias makes equal.
///
/// Invariant: ``expandedCount`` is the number of values the document holds
/// with every alias expanded, counted before anything is built, so a document
/// over ``limit`` is refused after work linear in its text. An expanded alias
/// shares its anchor's storage (`ConfigNode` arrays are copy-on-write), so the
/// tree's memory stays linear as well.
///
/// Recursion is safe: libyaml refuses documents nested deeper than 1000 levels.
struct YAMLNodeConverter {
    let file: String
    let shield: YAMLAliasShield
    let limit: Int
    private(set) var expandedCount = 0
    /// Problems that leave the tree usable for finding more of them.
    private(set) var problems: [Diagnostic] = []
    /// Anchors defined so far, as libyaml defines them: when their node ends,
    /// a later `&name` replacing an earlier one.
    /// Whether some alias was expanded (so the count grew through one).
    private var expandsAliases = false
    private var anchors: [String: (node: ConfigNode, count: Int)] = [:]

    init(file: String, shield: YAMLAliasShield, limit: Int) {
        self.file = file
        self.shield = shield
        self.limit = limit
    }

    /// Converts `node`; throws only when the document expands past ``limit``.
    mutating func convert(_ node: Node) throws(PipelineDiagnostics) -> ConfigNode {
        let countBefore = expandedCount
        let converted: ConfigNode
        let anchor: Anchor?
        switch node {
        case .scalar(let scalar):
            converted = try convert(scalar)
            anchor = scalar.anchor
        case .sequence(let sequence):
            try count(1, at: location(of: sequence.mark))
            var items: [ConfigNode] = []
            items.reserveCapacity(sequence.count)
            for item in sequence {
                items.append(try convert(item))
            }
            converted = ConfigNode(.sequence(items), at: location(of: sequence.mark))
            anchor = sequence.anchor
        case .mapping(let mapping):
            converted = try convert(mapping)
            anchor = mapping.anchor
        case .alias(let alias):
            // The Parser never produces these (it shares the anchored node instead).
            converted = ConfigNode(.scalar("", isPlain: true), at: location(of: alias.mark))
            anchor = nil
        }
        if let anchor {
            anchors[anchor.rawValue] = (converted, expandedCount - countBefore)
        }
        return converted
    }

    private mutating func convert(_ scalar: Node.Scalar) throws(PipelineDiagnostics) -> ConfigNode {
        let location = location(of: scalar.mark)
        guard scalar.style == .plain || scalar.style == .any, let aliasText = shield.aliasText(scalar.string) else {
            try count(1, at: location)
            // Only a double-quoted scalar can hold one (`"\0"`, `"\u0000"`):
            // libyaml refuses the raw character.
            if scalar.style == .doubleQuoted, scalar.string.utf8.contains(0) {
                problems.append(Diagnostic(.nulCharacter, at: location))
            }
            let isPlain = scalar.style == .plain || scalar.style == .any
            return ConfigNode(.scalar(shield.restoring(scalar.string), isPlain: isPlain), at: location)
        }
        let placeholder = ConfigNode(.scalar("", isPlain: true), at: location)
        guard YAMLAliasShield.isAnchorName(aliasText) else {
            problems.append(Diagnostic(.badAlias(shield.restoring(scalar.string)), at: location))
            return placeholder
        }
        guard let anchored = anchors[String(aliasText)] else {
            problems.append(Diagnostic(.undefinedAlias(String(aliasText)), at: location))
            return placeholder
        }
        expandsAliases = true
        try count(anchored.count, at: location)
        // The alias itself is where a problem with the whole value points;
        // the parts inside keep their places under the anchor.
        var expanded = anchored.node
        expanded.location = location
        return expanded
    }

    private mutating func convert(_ mapping: Node.Mapping) throws(PipelineDiagnostics) -> ConfigNode {
        let location = location(of: mapping.mark)
        try count(1, at: location)
        var entries: [ConfigNode.Entry] = []
        entries.reserveCapacity(mapping.count)
        // Keys seen so far, by name: hashed only for a long mapping (the
        // `steps:`); a step's few keys are compared one by one.
        let hashesKeys = mapping.count > 16
        var firstLines: [String: Int] = [:]
        if hashesKeys { firstLines.reserveCapacity(mapping.count) }
        // By index: the mapping's iterator first copies every pair into an array.
        for index in mapping.indices {
            let (key, value) = mapping[index]
            let convertedKey = try convert(key)
            let convertedValue = try convert(value)
            guard case .scalar(let name, _) = convertedKey.content else {
                problems.append(Diagnostic(.nonScalarKey(found: convertedKey.shapeDescription), at: convertedKey.location))
                continue
            }
            // libyaml already refused keys written alike; these are keys an
            // alias makes equal, or `1` beside `"1"`.
            let firstLine = hashesKeys ? firstLines[name] : entries.first(where: { $0.name == name })?.key.location.line
            if let firstLine {
                problems.append(Diagnostic(.duplicateKey(name, firstLine: firstLine), at: convertedKey.location))
                continue
            }
            if hashesKeys { firstLines[name] = convertedKey.location.line }
            entries.append(ConfigNode.Entry(key: convertedKey, value: convertedValue))
        }
        return ConfigNode(.mapping(entries), at: location)
    }

    private mutating func count(_ values: Int, at location: SourceLocation) throws(PipelineDiagnostics) {
        expandedCount += values
        if expandedCount > limit {
            throw PipelineDiagnostics(.tooManyNodes(limit: limit, throughAliases: expandsAliases), at: location)
        }
    }

    func location(of mark: Mark?) -> SourceLocation {
        SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }
}
