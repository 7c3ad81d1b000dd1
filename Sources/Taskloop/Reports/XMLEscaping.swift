/// Escaping for XML 1.0 text and attribute values.
///
/// XML 1.0 allows only tab, line feed, carriage return and the characters
/// from U+0020 on (less U+FFFE and U+FFFF); not even a character reference
/// can carry the others. Those are written visibly instead, as `\u{1B}`, so
/// terminal colour codes in a step's output keep the document valid.
enum XMLEscaping {
    /// For element content: `&`, `<` and `>` as entities (so `]]>` cannot
    /// occur), a carriage return as `&#13;` so parsers keep it.
    static func text(_ value: String) -> String {
        escape(value, inAttribute: false)
    }

    /// For a value in double quotes: also `"` and `'`, and line ends and tabs
    /// as character references, which attribute normalisation would turn into spaces.
    static func attribute(_ value: String) -> String {
        escape(value, inAttribute: true)
    }

    private static func escape(_ value: String, inAttribute: Bool) -> String {
        var result = ""
        result.reserveCapacity(value.utf8.count)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"" where inAttribute: result += "&quot;"
            case "'" where inAttribute: result += "&apos;"
            case "\n" where inAttribute: result += "&#10;"
            case "\t" where inAttribute: result += "&#9;"
            case "\r": result += "&#13;"
            case "\n", "\t": result.unicodeScalars.append(scalar)
            default:
                if isAllowed(scalar) {
                    result.unicodeScalars.append(scalar)
                } else {
                    result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
                }
            }
        }
        return result
    }

    /// The `Char` production of XML 1.0, for characters other than tab and line ends.
    private static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: return true
        default: return false
        }
    }
}
