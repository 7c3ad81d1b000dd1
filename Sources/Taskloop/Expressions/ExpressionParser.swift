/// Parses the text between `${{` and `}}` into an ``Expression``.
///
///     expression := or
///     or         := and ('||' and)*
///     and        := equality ('&&' equality)*
///     equality   := comparison (('==' | '!=') comparison)*
///     comparison := unary (('<' | '<=' | '>' | '>=') unary)*
///     unary      := '!' unary | postfix
///     postfix    := primary ('.' name | '[' expression ']')*
///     primary    := number | 'string' | true | false | null
///                 | name '(' arguments? ')' | name | '(' expression ')'
///
/// Names are letters, digits, `_` and `-` (so `steps.unit-tests.outputs.exit-code`
/// reads as written); strings use single quotes, with `''` for a quote.
///
/// Depth is bounded, so that no recursion over an expression (here, in the
/// checker, the evaluator, printing) can overflow the stack whatever the
/// text: parentheses, `!`, calls, `[...]`, each `.name` of a path and each
/// link of a comparison chain nest one level, up to ``maximumDepth``. A chain
/// of `||` or `&&`, whose operator is associative (`a || (b || c)` is
/// `(a || b) || c`: both give the first operand that is true, or the last),
/// becomes a balanced tree, so any number of terms nests only log2 of it.
public struct ExpressionParser {
    /// How deeply an expression may nest.
    public static let maximumDepth = 256

    private enum Token: Hashable {
        case number(Double)
        case string(String)
        case name(String)
        case symbol(String)
        case end

        var text: String {
            switch self {
            case .number(let value): return "the number `\(JSONValue.number(value))`"
            case .string(let value): return "the string '\(value)'"
            case .name(let name): return "`\(name)`"
            case .symbol(let symbol): return "`\(symbol)`"
            case .end: return "the end of the expression"
            }
        }
    }

    private var tokens: [(token: Token, offset: Int)] = []
    private var position = 0
    private var depth = 0

    public static func parse(_ text: String) throws(ExpressionError) -> Expression {
        var parser = ExpressionParser()
        parser.tokens = try tokenize(text)
        guard parser.tokens.count > 1 else { throw ExpressionError(.emptyExpression, at: 0) }
        let expression = try parser.parseOr()
        guard case .end = parser.current.token else {
            throw ExpressionError(.unexpectedToken(found: parser.current.token.text, expected: "an operator or the end of the expression"), at: parser.current.offset)
        }
        return expression
    }

    private var current: (token: Token, offset: Int) { tokens[position] }

    private mutating func advance() { if position < tokens.count - 1 { position += 1 } }

    private mutating func accept(_ symbol: String) -> Bool {
        if case .symbol(symbol) = current.token {
            advance()
            return true
        }
        return false
    }

    private mutating func expect(_ symbol: String, _ what: String) throws(ExpressionError) {
        guard accept(symbol) else {
            throw ExpressionError(.unexpectedToken(found: current.token.text, expected: what), at: current.offset)
        }
    }

    /// Enters one level of nesting at `offset`; the caller leaves it.
    private mutating func descend(at offset: Int) throws(ExpressionError) {
        guard depth < Self.maximumDepth else {
            throw ExpressionError(.nestedTooDeeply(limit: Self.maximumDepth), at: offset)
        }
        depth += 1
    }

    private mutating func parseOr() throws(ExpressionError) -> Expression {
        var operands = [try parseAnd()]
        while accept("||") { operands.append(try parseAnd()) }
        return Self.balanced(.or, operands[...])
    }

    private mutating func parseAnd() throws(ExpressionError) -> Expression {
        var operands = [try parseEquality()]
        while accept("&&") { operands.append(try parseEquality()) }
        return Self.balanced(.and, operands[...])
    }

    /// `operands` joined by an associative operator, as a tree of depth log2(count).
    private static func balanced(_ operation: Expression.BinaryOperator, _ operands: ArraySlice<Expression>) -> Expression {
        if operands.count == 1 { return operands[operands.startIndex] }
        let middle = operands.startIndex + operands.count / 2
        return .binary(operation, balanced(operation, operands[..<middle]), balanced(operation, operands[middle...]))
    }

    private mutating func parseEquality() throws(ExpressionError) -> Expression {
        let outer = depth
        defer { depth = outer }
        var lhs = try parseComparison()
        while true {
            let offset = current.offset
            if accept("==") { try descend(at: offset); lhs = .binary(.equal, lhs, try parseComparison()) }
            else if accept("!=") { try descend(at: offset); lhs = .binary(.notEqual, lhs, try parseComparison()) }
            else { return lhs }
        }
    }

    private mutating func parseComparison() throws(ExpressionError) -> Expression {
        let outer = depth
        defer { depth = outer }
        var lhs = try parseUnary()
        while true {
            let offset = current.offset
            if accept("<=") { try descend(at: offset); lhs = .binary(.lessOrEqual, lhs, try parseUnary()) }
            else if accept(">=") { try descend(at: offset); lhs = .binary(.greaterOrEqual, lhs, try parseUnary()) }
            else if accept("<") { try descend(at: offset); lhs = .binary(.less, lhs, try parseUnary()) }
            else if accept(">") { try descend(at: offset); lhs = .binary(.greater, lhs, try parseUnary()) }
            else { return lhs }
        }
    }

    private mutating func parseUnary() throws(ExpressionError) -> Expression {
        let offset = current.offset
        if accept("!") {
            try descend(at: offset)
            defer { depth -= 1 }
            return .not(try parseUnary())
        }
        return try parsePostfix()
    }

    private mutating func parsePostfix() throws(ExpressionError) -> Expression {
        let outer = depth
        defer { depth = outer }
        var expression = try parsePrimary()
        while true {
            if case .symbol(let symbol) = current.token, symbol == "." || symbol == "[" { try descend(at: current.offset) }
            if accept(".") {
                guard case .name(let name) = current.token else {
                    throw ExpressionError(.unexpectedToken(found: current.token.text, expected: "a name after `.`"), at: current.offset)
                }
                expression = .member(expression, name, offset: current.offset)
                advance()
            } else if case .symbol("[") = current.token {
                let offset = current.offset
                advance()
                let index = try parseOr()
                try expect("]", "`]`")
                if case .literal(.string(let key)) = index {
                    expression = .member(expression, key, offset: offset)
                } else {
                    expression = .index(expression, index)
                }
            } else {
                return expression
            }
        }
    }

    private mutating func parsePrimary() throws(ExpressionError) -> Expression {
        let (token, offset) = current
        switch token {
        case .number(let value):
            advance()
            return .literal(.number(value))
        case .string(let value):
            advance()
            return .literal(.string(value))
        case .name("true"):
            advance()
            return .literal(.bool(true))
        case .name("false"):
            advance()
            return .literal(.bool(false))
        case .name("null"):
            advance()
            return .literal(.null)
        case .name(let name):
            advance()
            guard accept("(") else { return .name(name, offset: offset) }
            try descend(at: offset)
            defer { depth -= 1 }
            var arguments: [Expression] = []
            if !accept(")") {
                repeat { arguments.append(try parseOr()) } while accept(",")
                try expect(")", "`,` or `)` in the call of `\(name)`")
            }
            return .call(name, arguments, offset: offset)
        case .symbol("("):
            try descend(at: offset)
            defer { depth -= 1 }
            advance()
            let inner = try parseOr()
            try expect(")", "`)`")
            return inner
        default:
            throw ExpressionError(.unexpectedToken(found: token.text, expected: "a value, a name or `(`"), at: offset)
        }
    }

    private static func tokenize(_ text: String) throws(ExpressionError) -> [(token: Token, offset: Int)] {
        let characters = Array(text)
        var tokens: [(token: Token, offset: Int)] = []
        var index = 0
        while index < characters.count {
            let character = characters[index]
            let start = index
            if character.isWhitespace {
                index += 1
            } else if character.isNumber || (character == "-" && index + 1 < characters.count && characters[index + 1].isNumber) {
                index += 1
                while index < characters.count, characters[index].isNumber || characters[index] == "." { index += 1 }
                guard let value = Double(String(characters[start..<index])) else {
                    throw ExpressionError(.unexpectedCharacter(characters[index - 1]), at: index - 1)
                }
                tokens.append((.number(value), start))
            } else if character == "'" {
                var value = ""
                index += 1
                while true {
                    guard index < characters.count else { throw ExpressionError(.unterminatedString, at: start) }
                    if characters[index] == "'" {
                        if index + 1 < characters.count, characters[index + 1] == "'" {
                            value.append("'")
                            index += 2
                            continue
                        }
                        index += 1
                        break
                    }
                    value.append(characters[index])
                    index += 1
                }
                tokens.append((.string(value), start))
            } else if character.isLetter || character == "_" {
                while index < characters.count, characters[index].isLetter || characters[index].isNumber || characters[index] == "_" || characters[index] == "-" {
                    index += 1
                }
                tokens.append((.name(String(characters[start..<index])), start))
            } else {
                let pair = index + 1 < characters.count ? String(characters[index...index + 1]) : ""
                if ["==", "!=", "<=", ">=", "&&", "||"].contains(pair) {
                    tokens.append((.symbol(pair), start))
                    index += 2
                } else if "!<>.[](),".contains(character) {
                    tokens.append((.symbol(String(character)), start))
                    index += 1
                } else {
                    throw ExpressionError(.unexpectedCharacter(character), at: start)
                }
            }
        }
        tokens.append((.end, characters.count))
        return tokens
    }
}
