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

    static func line(_ number: Int, of source: String) -> Substring? {
        guard number >= 1 else { return nil }
        var current = 1
        var start = source.startIndex
        while current < number {
            guard let newline = source[start...].firstIndex(of: "\n") else { return nil }
            start = source.index(after: newline)
            current += 1
        }
        let end = source[start...].firstIndex(where: { $0 == "\n" || $0 == "\r\n" }) ?? source.endIndex
        return source[start..<end]
    }
}
