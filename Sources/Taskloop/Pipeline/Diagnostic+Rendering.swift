extension Diagnostic {
    /// The diagnostic as a compiler prints it: the summary line, the offending
    /// source line, and a caret under the column.
    ///
    ///     pipelines/build.yaml:7:5: error: unknown key `need` in step `test`; did you mean `needs`?
    ///         need: [compile]
    ///         ^
    public func rendered(in source: String?) -> String {
        rendered(line: location.flatMap { location in source.flatMap { SourceText($0).line(location.line) } })
    }

    /// Each of `diagnostics` rendered as ``rendered(in:)`` does, the text of
    /// each file they name asked of `text` once and its lines found once, so
    /// that thousands of warnings about one large file cost one pass over it,
    /// not one per warning.
    public static func render(_ diagnostics: [Diagnostic], text: (_ path: String) -> String?) -> [String] {
        var sources: [String: SourceText?] = [:]
        return diagnostics.map { diagnostic in
            guard let location = diagnostic.location else { return diagnostic.summary }
            if sources[location.file] == nil { sources[location.file] = .some(text(location.file).map(SourceText.init)) }
            return diagnostic.rendered(line: sources[location.file]??.line(location.line))
        }
    }

    /// The summary, then `line` (the one the location names) with a caret
    /// under the column; the summary alone without it.
    private func rendered(line: Substring?) -> String {
        guard let location, let line else { return summary }
        // The caret is placed by counting Unicode scalars, as libyaml does; tabs
        // are kept so that the caret lines up under them in a terminal.
        var caretPadding = ""
        for (offset, scalar) in line.unicodeScalars.enumerated() where offset < location.column - 1 {
            caretPadding.append(scalar == "\t" ? "\t" : " ")
        }
        return "\(summary)\n\(line)\n\(caretPadding)^"
    }
}
