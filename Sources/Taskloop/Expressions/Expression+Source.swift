import Foundation

extension Expression {
    /// The expression as text that ``ExpressionParser`` reads back into the
    /// same expression. Operators are parenthesised, so precedence never
    /// depends on how the parts are printed.
    var sourceText: String {
        switch self {
        case .literal(let value):
            return Self.literalText(value)
        case .name(let name, _):
            return name
        case .member(let base, let name, _):
            let key = Self.isPlainName(name) ? ".\(name)" : "[\(Self.stringLiteral(name))]"
            return base.postfixBaseText + key
        case .index(let base, let index):
            return base.postfixBaseText + "[\(index.sourceText)]"
        case .call(let name, let arguments, _):
            return "\(name)(\(arguments.map(\.sourceText).joined(separator: ", ")))"
        case .not(let operand):
            return "!(\(operand.sourceText))"
        case .binary(let operation, let lhs, let rhs):
            return "(\(lhs.sourceText) \(operation.rawValue) \(rhs.sourceText))"
        }
    }

    /// The text of an expression that `.name` or `[...]` follows: literals
    /// in parentheses (`1.5.x` would read as a malformed number).
    private var postfixBaseText: String {
        switch self {
        case .name, .member, .index, .call: return sourceText
        default: return "(\(sourceText))"
        }
    }

    static func literalText(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .number(let number):
            let text = value.description
            if text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "-") }), Double(text) == number {
                return text
            }
            return "fromJSON(\(stringLiteral(value.jsonText)))"
        case .string(let text):
            return stringLiteral(text)
        case .array, .object:
            return "fromJSON(\(stringLiteral(value.jsonText)))"
        }
    }

    /// `'text'`, with each `'` doubled.
    static func stringLiteral(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// Whether `name` reads back as one name token after `.`.
    static func isPlainName(_ name: String) -> Bool {
        guard let first = name.first, first.isLetter || first == "_" else { return false }
        return name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
    }
}

extension JSONValue {
    /// The value as JSON text (numbers, `null` and booleans included).
    var jsonText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(self), as: UTF8.self)) ?? "null"
    }
}
