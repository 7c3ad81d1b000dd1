/// The text of a pipeline file, to find places inside its values: where in the
/// file an expression inside a `${{ }}` of a scalar stands.
///
/// Only where each line starts is found up front (one pass over the UTF-8
/// bytes); a line's characters are made when a place inside it is asked for,
/// so a large file with few expressions costs little time and no copy.
struct SourceText {
    private let text: String
    /// Where each line starts in `text`; a line ends before the next start's `\n`.
    private let lineStarts: [String.Index]

    init(_ text: String) {
        let text = Self.droppingByteOrderMark(text)
        self.text = text
        var starts = [text.startIndex]
        let bytes = text.utf8
        var index = bytes.startIndex
        while let newline = bytes[index...].firstIndex(of: UInt8(ascii: "\n")) {
            index = bytes.index(after: newline)
            starts.append(index)
        }
        lineStarts = starts
    }

    /// The lines' characters, by 0-based line number, without the line end.
    private var lines: Lines { Lines(text: text, starts: lineStarts) }

    /// `text` without the byte-order mark some editors put first (Windows
    /// Notepad's UTF-8): Yams hands libyaml the text as UTF-8 already, so
    /// libyaml would read the mark as part of the first key. Places are
    /// counted without it, as an editor shows the line.
    static func droppingByteOrderMark(_ text: String) -> String {
        guard text.unicodeScalars.first == "\u{FEFF}" else { return text }
        return String(text.unicodeScalars.dropFirst())
    }

    /// Line `number` (1-based), without its line break (`\n` or `\r\n`);
    /// nil past the last line.
    func line(_ number: Int) -> Substring? {
        guard number >= 1, number <= lineStarts.count else { return nil }
        let start = lineStarts[number - 1]
        let end = number < lineStarts.count ? text.utf8.index(before: lineStarts[number]) : text.endIndex
        let line = text[start..<end]
        return line.utf8.last == UInt8(ascii: "\r") ? Substring(line.utf8.dropLast()) : line
    }

    private struct Lines {
        let text: String
        let starts: [String.Index]

        var count: Int { starts.count }

        subscript(line: Int) -> [Character] {
            let end = line + 1 < starts.count ? text.utf8.index(before: starts[line + 1]) : text.endIndex
            let content = text[starts[line]..<end]
            return Array(content.last == "\r" ? content.dropLast() : content)
        }
    }

    /// The place of character `offset` of `template`, the value of the scalar
    /// written at `start`. The offset falls after some `${{` of the template;
    /// the same `${{` is found in the file after `start`, and the offset is
    /// walked from there. Falls back to `start` when the file's text differs
    /// (an escape inside a quoted scalar, say).
    func location(of offset: Int, in template: String, scalarAt start: SourceLocation) -> SourceLocation {
        let characters = Array(template)
        var openings: [Int] = []
        var index = 0
        while index + 2 < characters.count {
            if characters[index] == "$", characters[index + 1] == "{", characters[index + 2] == "{" {
                openings.append(index)
                index += 3
            } else {
                index += 1
            }
        }
        guard let opening = openings.lastIndex(where: { $0 <= offset }) else { return start }
        let distance = offset - openings[opening]

        // Find the same opening in the file, counting `${{` from the scalar's start.
        var line = start.line - 1
        var column = columnIndex(start.column, inLine: line)
        var seen = -1
        let lines = lines
        while line < lines.count {
            let text = lines[line]
            while column + 2 < text.count {
                if text[column] == "$", text[column + 1] == "{", text[column + 2] == "{" {
                    seen += 1
                    if seen == opening { return walk(distance, fromLine: line, character: column, file: start.file) }
                    column += 3
                } else {
                    column += 1
                }
            }
            line += 1
            column = 0
        }
        return start
    }

    /// Moves `distance` characters forward in the file from a line and a
    /// character index, returning a 1-based line and scalar column.
    private func walk(_ distance: Int, fromLine line: Int, character: Int, file: String) -> SourceLocation {
        let lines = lines
        var line = line
        var character = character
        var remaining = distance
        while remaining > 0, line < lines.count {
            let length = lines[line].count
            if character + remaining <= length {
                character += remaining
                remaining = 0
            } else {
                remaining -= length - character + 1
                line += 1
                character = 0
            }
        }
        let row = line < lines.count ? lines[line] : []
        let scalarColumn = row.prefix(character).reduce(0) { $0 + $1.unicodeScalars.count } + 1
        return SourceLocation(file: file, line: line + 1, column: scalarColumn)
    }

    /// The character at a 1-based line and scalar column, if there is one.
    func character(at location: SourceLocation) -> Character? {
        let line = location.line - 1
        guard line >= 0, line < lines.count else { return nil }
        let index = columnIndex(location.column, inLine: line)
        let characters = lines[line]
        return index < characters.count ? characters[index] : nil
    }

    /// The character index of a 1-based scalar column.
    private func columnIndex(_ column: Int, inLine line: Int) -> Int {
        guard line < lines.count else { return 0 }
        let characters = lines[line]
        var scalars = 0
        for (index, character) in characters.enumerated() {
            if scalars >= column - 1 { return index }
            scalars += character.unicodeScalars.count
        }
        return characters.count
    }
}

extension ConfigNode {
    /// Every scalar value below this node (keys excluded), in file order.
    var scalarValues: [ConfigNode] {
        switch content {
        case .scalar: return [self]
        case .sequence(let items): return items.flatMap(\.scalarValues)
        case .mapping(let entries): return entries.flatMap(\.value.scalarValues)
        }
    }

    /// This node with every scalar that holds `${{ }}` replaced by `render`'s text.
    func replacingScalars(_ render: (ConfigNode) throws -> String?) rethrows -> ConfigNode {
        switch content {
        case .scalar(_, let isPlain):
            guard let text = try render(self) else { return self }
            return ConfigNode(.scalar(text, isPlain: isPlain), at: location)
        case .sequence(let items):
            return ConfigNode(.sequence(try items.map { try $0.replacingScalars(render) }), at: location)
        case .mapping(let entries):
            return ConfigNode(.mapping(try entries.map {
                ConfigNode.Entry(key: $0.key, value: try $0.value.replacingScalars(render))
            }), at: location)
        }
    }
}
