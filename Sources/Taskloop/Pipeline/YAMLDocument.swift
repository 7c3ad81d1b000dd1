import Yams

/// Parses YAML text with libyaml (through Yams) into a ``ConfigNode`` tree
/// that keeps every value's line and column.
enum YAMLDocument {
    /// Aliases can make a small file expand into an enormous tree (the
    /// "billion laughs" attack); no real pipeline comes near this many values.
    static let nodeLimit = 1_000_000

    static func parse(_ text: String, file: String) throws(PipelineDiagnostics) -> ConfigNode {
        let root: Node?
        do {
            let parser = try Parser(yaml: text, resolver: .basic)
            root = try parser.singleRoot()
        } catch let error as YamlError {
            throw PipelineDiagnostics([diagnostic(for: error, text: text, file: file)])
        } catch {
            throw PipelineDiagnostics(.malformedYAML("\(error)"), at: SourceLocation(file: file, line: 1, column: 1))
        }
        guard let root else {
            throw PipelineDiagnostics(.emptyDocument, at: SourceLocation(file: file, line: 1, column: 1))
        }
        var budget = nodeLimit
        return try convert(root, file: file, budget: &budget)
    }

    /// Converts a libyaml node, spending one unit of `budget` per value so an
    /// alias bomb is refused after `nodeLimit` values rather than expanded.
    private static func convert(_ node: Node, file: String, budget: inout Int) throws(PipelineDiagnostics) -> ConfigNode {
        budget -= 1
        if budget < 0 {
            throw PipelineDiagnostics(.tooManyNodes(limit: nodeLimit), at: location(node.mark, file: file))
        }
        let here = location(node.mark, file: file)
        switch node {
        case .scalar(let scalar):
            return ConfigNode(.scalar(scalar.string, isPlain: scalar.style == .plain || scalar.style == .any), at: here)
        case .alias:
            return ConfigNode(.scalar("", isPlain: true), at: here)
        case .sequence(let sequence):
            var items: [ConfigNode] = []
            items.reserveCapacity(sequence.count)
            for item in sequence {
                items.append(try convert(item, file: file, budget: &budget))
            }
            return ConfigNode(.sequence(items), at: here)
        case .mapping(let mapping):
            var entries: [ConfigNode.Entry] = []
            for (key, value) in mapping {
                guard case .scalar = key else {
                    throw PipelineDiagnostics(
                        .wrongType(field: "a mapping key", expected: "plain text", found: "a list or mapping"),
                        at: location(key.mark, file: file))
                }
                let convertedKey = try convert(key, file: file, budget: &budget)
                entries.append(ConfigNode.Entry(key: convertedKey, value: try convert(value, file: file, budget: &budget)))
            }
            return ConfigNode(.mapping(entries), at: here)
        }
    }

    private static func location(_ mark: Mark?, file: String) -> SourceLocation {
        SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    private static func diagnostic(for error: YamlError, text: String, file: String) -> Diagnostic {
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            var message = problem
            if let context { message += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))" }
            return Diagnostic(.malformedYAML(message), at: location(mark, file: file))
        case .reader(let problem, let offset, _, _):
            let line = offset.map { lineAndColumn(ofOffset: $0, in: text) } ?? (1, 1)
            return Diagnostic(.malformedYAML(problem), at: SourceLocation(file: file, line: line.0, column: line.1))
        case .duplicatedKeysInMapping(let duplicates, let context):
            let key = duplicates.first ?? ""
            let first = context.mark
            let second = secondOccurrence(of: key, after: first, in: text)
            return Diagnostic(
                .duplicateKey(key, firstLine: second == nil ? nil : first.line),
                at: second.map { SourceLocation(file: file, line: $0.line, column: $0.column) }
                    ?? location(first, file: file))
        default:
            return Diagnostic(.malformedYAML("\(error)"), at: SourceLocation(file: file, line: 1, column: 1))
        }
    }

    /// Where a duplicated key is written again: the next `key:` after the
    /// first one, at the same column or later on the same line (flow style).
    private static func secondOccurrence(of key: String, after first: Mark, in text: String) -> (line: Int, column: Int)? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard first.line >= 1, first.line <= lines.count else { return nil }
        let candidates = [key + ":", "\"" + key + "\":", "'" + key + "':"]
        // The same line, after the first occurrence (flow mappings).
        let firstLine = Array(lines[first.line - 1].unicodeScalars)
        let rest = String(String.UnicodeScalarView(firstLine.dropFirst(min(firstLine.count, first.column))))
        for candidate in candidates {
            if let range = rest.range(of: candidate) {
                let column = first.column + rest.unicodeScalars.distance(from: rest.unicodeScalars.startIndex, to: range.lowerBound.samePosition(in: rest.unicodeScalars)!) + 1
                return (first.line, column)
            }
        }
        for number in first.line..<lines.count {
            let line = Array(lines[number].unicodeScalars)
            guard line.count >= first.column else { continue }
            let fromColumn = String(String.UnicodeScalarView(line.dropFirst(first.column - 1)))
            let indentation = line.prefix(first.column - 1)
            if indentation.allSatisfy({ $0 == " " || $0 == "-" }), candidates.contains(where: { fromColumn.hasPrefix($0) }) {
                return (number + 1, first.column)
            }
        }
        return nil
    }

    private static func lineAndColumn(ofOffset offset: Int, in text: String) -> (Int, Int) {
        var line = 1
        var column = 1
        for (index, byte) in text.utf8.enumerated() {
            if index >= offset { break }
            if byte == UInt8(ascii: "\n") { line += 1; column = 1 } else { column += 1 }
        }
        return (line, column)
    }
}
