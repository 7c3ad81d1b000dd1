/// A string value that may hold `${{ expression }}` parts, evaluated just
/// before its step runs: `"release ${{ params.version }}"`.
public struct Template: Sendable, Hashable {
    public enum Part: Sendable, Hashable {
        case literal(String)
        /// `offset`: where the expression's text starts in the template, in characters.
        case expression(Expression, offset: Int)
    }

    public var parts: [Part]

    /// Whether `text` holds any `${{`: a scan of its bytes (the loader asks
    /// this of every string of every step).
    public static func containsExpression(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            guard bytes.count >= 3 else { return false }
            for index in 0..<(bytes.count - 2)
            where bytes[index] == UInt8(ascii: "$") && bytes[index + 1] == UInt8(ascii: "{") && bytes[index + 2] == UInt8(ascii: "{") {
                return true
            }
            return false
        }
    }

    /// Splits `text` into literal text and parsed expressions. Errors carry
    /// their offset in `text`.
    public static func parse(_ text: String) throws(ExpressionError) -> Template {
        let characters = Array(text)
        var parts: [Part] = []
        var literal = ""
        var index = 0
        while index < characters.count {
            if characters[index] == "$", index + 2 < characters.count, characters[index + 1] == "{", characters[index + 2] == "{" {
                let start = index + 3
                var end = start
                var inString = false
                while end + 1 < characters.count, !(characters[end] == "}" && characters[end + 1] == "}" && !inString) {
                    if characters[end] == "'" { inString.toggle() }
                    end += 1
                }
                guard end + 1 < characters.count else { throw ExpressionError(.unclosedExpression, at: index) }
                let source = String(characters[start..<end])
                let expression: Expression
                do {
                    expression = try ExpressionParser.parse(source)
                } catch {
                    throw ExpressionError(error.kind, at: start + error.offset)
                }
                if !literal.isEmpty { parts.append(.literal(literal)) }
                literal = ""
                parts.append(.expression(expression, offset: start))
                index = end + 2
            } else {
                literal.append(characters[index])
                index += 1
            }
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        return Template(parts: parts)
    }

    public var expressions: [(expression: Expression, offset: Int)] {
        parts.compactMap { part in
            if case .expression(let expression, let offset) = part { return (expression, offset) }
            return nil
        }
    }

    /// The text with every expression replaced by its value (strings bare,
    /// numbers without a needless fraction, lists and objects as JSON).
    public func render(with evaluator: ExpressionEvaluator) throws(ExpressionError) -> String {
        var result = ""
        for part in parts {
            switch part {
            case .literal(let text):
                result += text
            case .expression(let expression, let offset):
                do {
                    result += try evaluator.evaluate(expression).description
                } catch {
                    throw ExpressionError(error.kind, at: offset + error.offset)
                }
            }
        }
        return result
    }
}
