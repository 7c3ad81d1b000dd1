/// Text for HTML and SVG: escaping and compact coordinates.
enum HTMLText {
    /// Escapes `&`, `<`, `>` and `"`, so the text is safe in content and in attribute values.
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            default: result.append(character)
            }
        }
        return result
    }

    /// A coordinate with one decimal: `12.5`, `300.0`.
    static func coordinate(_ value: Double) -> String {
        String((value * 10).rounded() / 10)
    }

    /// At most `limit` characters, the cut marked with an ellipsis.
    static func truncated(_ text: String, to limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(max(1, limit - 1))) + "…"
    }

    /// Escapes text for a JSON string inside a `<script>` element (no `</script>` can end it early).
    static func jsonString(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "<": result += "\\u003c"
            case ">": result += "\\u003e"
            case "&": result += "\\u0026"
            case "\n": result += "\\n"
            default:
                if scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029 {
                    result += "\\u" + String(zeroPadded: Int(scalar.value), digits: 4, radix: 16)
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}
