/// Keeps libyaml and Yams from ever seeing an alias.
///
/// Yams expands an alias by sharing the anchored node, then hashes every
/// mapping key to find duplicates: one alias to a "billion laughs" value used
/// as a key would make that hash walk a billion nodes. So before parsing, each
/// `*` that could start an alias token is replaced by a private-use character
/// that does not occur in the text (the `marker`). libyaml then reads `*name`
/// as the plain scalar `<marker>name`, and ``YAMLNodeConverter`` resolves it
/// against the anchors itself, counting what it expands, so a bomb is refused
/// in time linear in the text.
///
/// Invariants: ``text`` has the original's Unicode scalars at the same
/// positions, except that some `*` became ``marker``, so libyaml's marks
/// (1-based line, column in scalars) point into the original unchanged; and
/// since the marker never occurs in the original, every marker in a parsed
/// value stands for a `*` of the original.
struct YAMLAliasShield {
    /// The text libyaml parses.
    let text: String
    /// The stand-in for `*`; nil when no `*` was replaced (the text has no alias).
    let marker: Unicode.Scalar?

    /// Fails only when the text holds every private-use character, leaving no
    /// marker free.
    init?(_ original: String) {
        guard original.unicodeScalars.contains("*") else {
            text = original
            marker = nil
            return
        }
        guard let marker = Self.freeMarker(in: original) else { return nil }
        var shielded = String.UnicodeScalarView()
        var previous: Unicode.Scalar?
        var replaced = false
        for scalar in original.unicodeScalars {
            if scalar == "*", previous.map(Self.mayPrecedeAlias) ?? true {
                shielded.append(marker)
                replaced = true
            } else {
                shielded.append(scalar)
            }
            previous = scalar
        }
        text = replaced ? String(shielded) : original
        self.marker = replaced ? marker : nil
    }

    /// The original text of a parsed value: every marker back to `*`.
    func restoring(_ value: String) -> String {
        guard let marker, value.unicodeScalars.contains(marker) else { return value }
        return String(String.UnicodeScalarView(value.unicodeScalars.map { $0 == marker ? "*" : $0 }))
    }

    /// For a plain scalar that libyaml read from an alias token, the text after
    /// the `*` (the anchor name, if it is well formed); nil for other values.
    func aliasText(_ value: String) -> Substring? {
        guard let marker, value.unicodeScalars.first == marker else { return nil }
        return Substring(value.unicodeScalars.dropFirst())
    }

    /// Whether `name` is an anchor name as libyaml scans it: `[A-Za-z0-9_-]+`.
    static func isAnchorName(_ name: Substring) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy { scalar in
            scalar.isASCIILetterOrDigit || scalar == "_" || scalar == "-"
        }
    }

    /// libyaml starts a token (an alias among them) only after a blank, a line
    /// break, a byte-order mark, or a flow indicator (`[`, `{`, `,`, and in
    /// flow context `:` and `?`). A `*` after anything else is inside a scalar,
    /// a tag or an error, so replacing it too is harmless: values are restored.
    private static func mayPrecedeAlias(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case " ", "\t", "\r", "\n", "\u{85}", "\u{2028}", "\u{2029}", "\u{FEFF}", "[", "{", ",", ":", "?":
            return true
        default:
            return false
        }
    }

    /// The first private-use character absent from `text`; libyaml accepts
    /// each of them anywhere a letter may stand.
    private static func freeMarker(in text: String) -> Unicode.Scalar? {
        let ranges: [ClosedRange<UInt32>] = [0xE000...0xF8FF, 0xF0000...0xFFFFD, 0x100000...0x10FFFD]
        var used = Set<UInt32>()
        for scalar in text.unicodeScalars where ranges.contains(where: { $0.contains(scalar.value) }) {
            used.insert(scalar.value)
        }
        for range in ranges {
            if let free = range.first(where: { !used.contains($0) }) {
                return Unicode.Scalar(free)
            }
        }
        return nil
    }
}
