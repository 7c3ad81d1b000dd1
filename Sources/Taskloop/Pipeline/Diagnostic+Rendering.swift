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

    /// The most characters of the source line shown; a longer line (minified
    /// JSON, a generated list) is shown as the part around the column.
    static let excerptWidth = 120

    /// The summary, then `line` (the one the location names) with a caret
    /// under the column; the summary alone without it.
    private func rendered(line: Substring?) -> String {
        guard let location, let line else { return summary }
        let excerpt = SourceExcerpt(line: line, column: location.column, width: Self.excerptWidth)
        return "\(summary)\n\(excerpt.text)\n\(excerpt.caretPadding)^"
    }
}

/// The part of a source line shown under a diagnostic: the whole line when it
/// fits in `width` characters, otherwise `width` characters around the column,
/// with `...` where the line goes on.
struct SourceExcerpt {
    let text: String
    /// What goes before the caret so that it stands under the column: a space
    /// per character, and the tabs of the line kept so that it lines up under
    /// them in a terminal.
    let caretPadding: String

    /// Columns count Unicode scalars, as libyaml's do.
    init(line: Substring, column: Int, width: Int) {
        let scalars = Array(line.unicodeScalars)
        let caretOffset = min(max(column - 1, 0), scalars.count)
        var start = 0
        var end = scalars.count
        if scalars.count > width {
            start = min(max(caretOffset - width / 2, 0), scalars.count - width)
            end = start + width
        }
        let lead = start > 0 ? "..." : ""
        let tail = end < scalars.count ? "..." : ""
        var shown = String.UnicodeScalarView()
        shown.append(contentsOf: scalars[start..<end])
        text = lead + String(shown) + tail
        var padding = String(repeating: " ", count: lead.count)
        for scalar in scalars[start..<max(start, caretOffset)] {
            padding.append(scalar == "\t" ? "\t" : " ")
        }
        caretPadding = padding
    }
}
