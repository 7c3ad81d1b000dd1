import Yams

/// libyaml's and Yams's errors as diagnostics: one located problem each, in
/// libyaml's words with its context, or one of Taskloop's own when the cause
/// is known (a tab, a second document, a duplicate key).
extension YAMLDocument {
    /// libyaml's limit on nested collections (`MAX_NESTING_LEVEL` in parser.c).
    static let nestingLimit = 1000

    static func diagnostic(for error: any Error, in text: String, shield: YAMLAliasShield, file: String) -> Diagnostic {
        func at(_ line: Int, _ column: Int) -> SourceLocation {
            SourceLocation(file: file, line: max(1, line), column: max(1, column))
        }
        guard let error = error as? YamlError else {
            return Diagnostic(.malformedYAML("\(error)"), at: at(1, 1))
        }
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let location = at(mark.line, mark.column)
            if context?.text == "expected a single document in the stream" {
                return Diagnostic(.multipleDocuments, at: location)
            }
            if problem.hasPrefix("Maximum nesting level reached") {
                return Diagnostic(.nestingTooDeep(limit: nestingLimit), at: location)
            }
            if isTabIndentation(at: mark, in: text) {
                return Diagnostic(.tabIndentation, at: location)
            }
            var message = describe(problem, context: context, at: mark)
            if problem == "mapping values are not allowed in this context" {
                // `shell: echo a: b` — a plain value holding `: ` reads as a second key.
                message += "; a value with `: ` (colon and space) in it must be quoted, or written as a block (`shell: |`)"
            }
            return Diagnostic(.malformedYAML(message), at: location)
        case .reader(let problem, let offset, let value, _):
            let (line, column) = offset.map { position(ofCharacter: $0, in: shield.text) } ?? (1, 1)
            let found = value >= 0 ? " (found U+\(hex(value)))" : ""
            return Diagnostic(.malformedYAML(problem + found), at: at(line, column))
        case .duplicatedKeysInMapping(let duplicates, let context):
            let key = shield.restoring(duplicates.first ?? "")
            let first = context.mark
            let second = secondOccurrence(ofKey: key, firstAt: first, in: text)
            let location = second.map { at($0.line, $0.column) } ?? at(first.line, first.column)
            return Diagnostic(.duplicateKey(key, firstLine: second == nil ? nil : first.line), at: location)
        default:
            return Diagnostic(.malformedYAML("\(error)"), at: at(1, 1))
        }
    }

    /// "did not find expected key (while parsing a block mapping at line 2,
    /// column 1)": libyaml's problem, then the construct it was reading.
    static func describe(_ problem: String, context: YamlError.Context?, at mark: Mark) -> String {
        guard let context, !context.text.isEmpty else { return problem }
        if context.text == "while scanning for the next token" { return problem }
        guard context.mark.line != mark.line || context.mark.column != mark.column else {
            return "\(problem) (\(context.text))"
        }
        return "\(problem) (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
    }

    /// Whether the error stands on a tab that only blanks precede on its line:
    /// a tab used to indent.
    static func isTabIndentation(at mark: Mark, in text: String) -> Bool {
        guard let line = SourceText(text).line(mark.line) else { return false }
        let prefix = line.unicodeScalars.prefix(mark.column)
        return prefix.count == mark.column && prefix.last == "\t" && prefix.allSatisfy { $0 == " " || $0 == "\t" }
    }

    /// The 1-based line and column of the character at `offset`, counting
    /// breaks and columns as libyaml does (`\r\n` is one break; a column is
    /// a Unicode scalar).
    static func position(ofCharacter offset: Int, in text: String) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        for character in text.prefix(offset) {
            switch character {
            case "\n", "\r\n", "\r", "\u{85}", "\u{2028}", "\u{2029}":
                line += 1
                column = 1
            default:
                column += character.unicodeScalars.count
            }
        }
        return (line, column)
    }

    private static func hex(_ value: Int32) -> String {
        String(zeroPadded: value, digits: 4, radix: 16, uppercase: true)
    }
}
