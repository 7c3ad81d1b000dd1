extension Diagnostic {
    /// The diagnostic as a compiler prints it: the summary line, the offending
    /// source line, and a caret under the column.
    ///
    ///     pipelines/build.yaml:7:5: error: unknown key `need` in step `test`; did you mean `needs`?
    ///         need: [compile]
    ///         ^
    public func rendered(in source: String?) -> String {
        guard let location, let source, let line = Self.line(location.line, of: source) else {
            return summary
        }
        // The caret is placed by counting Unicode scalars, as libyaml does; tabs
        // are kept so that the caret lines up under them in a terminal.
        var caretPadding = ""
        for (offset, scalar) in line.unicodeScalars.enumerated() where offset < location.column - 1 {
            caretPadding.append(scalar == "\t" ? "\t" : " ")
        }
        return "\(summary)\n\(line)\n\(caretPadding)^"
    }

    /// Line `number` (1-based) of `source`, without its line break (`\n` or `\r\n`).
    static func line(_ number: Int, of source: String) -> Substring? {
        guard number >= 1 else { return nil }
        let lines = source.utf8.split(separator: UInt8(ascii: "\n"), maxSplits: number, omittingEmptySubsequences: false)
        guard number <= lines.count else { return nil }
        var line = lines[number - 1]
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        return Substring(line)
    }
}
