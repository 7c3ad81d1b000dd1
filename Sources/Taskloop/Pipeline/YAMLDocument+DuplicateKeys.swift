import Yams

/// Finding the second of two equal keys. Yams reports only where the first
/// one is; the user needs to see the second, which is usually the mistake.
extension YAMLDocument {
    /// The place of the next `key:` of the same mapping after the one at
    /// `first`: later on the same line after `{` or `,` (a flow mapping), or on
    /// a following line at the same column with only blanks before it (a block
    /// mapping, which ends at the first line indented less). Nil when the text
    /// does not show it plainly (a flow mapping over several lines).
    static func secondOccurrence(ofKey key: String, firstAt first: Mark, in text: String) -> (line: Int, column: Int)? {
        let spellings = [key, "\"\(key)\"", "'\(key)'"].map { Array($0.unicodeScalars) }
        let lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
        guard first.line >= 1, first.line <= lines.count else { return nil }
        let keyColumn = first.column - 1

        let firstLine = Array(lines[first.line - 1])
        var previousNonBlank: Unicode.Scalar?
        for index in firstLine.indices {
            if index > keyColumn, previousNonBlank == "{" || previousNonBlank == ",",
               startsKey(firstLine, at: index, spellings: spellings) {
                return (first.line, index + 1)
            }
            if firstLine[index] != " " && firstLine[index] != "\t" { previousNonBlank = firstLine[index] }
        }

        for lineIndex in first.line..<lines.count {
            let line = Array(lines[lineIndex])
            guard let indent = line.firstIndex(where: { $0 != " " }) else { continue }
            if line[indent] == "#" || line[indent] == "\r" { continue }
            if indent < keyColumn || line.starts(with: "---".unicodeScalars) || line.starts(with: "...".unicodeScalars) {
                return nil
            }
            if indent == keyColumn, startsKey(line, at: indent, spellings: spellings) {
                return (lineIndex + 1, indent + 1)
            }
        }
        return nil
    }

    /// Whether one spelling of the key starts at `index`, followed by blanks
    /// and the `:` that ends a key.
    private static func startsKey(_ line: [Unicode.Scalar], at index: Int, spellings: [[Unicode.Scalar]]) -> Bool {
        for spelling in spellings where line[index...].starts(with: spelling) {
            var next = index + spelling.count
            while next < line.count, line[next] == " " || line[next] == "\t" { next += 1 }
            if next < line.count, line[next] == ":" { return true }
        }
        return false
    }
}
