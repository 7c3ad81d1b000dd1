import Foundation

/// Evaluates expressions with the semantics of GitHub Actions' expressions:
/// missing properties are `null`; `==` compares strings ignoring case and
/// converts mismatched types to numbers; `&&` and `||` return an operand.
public struct ExpressionEvaluator: Sendable {
    public let context: ExpressionContext

    public init(context: ExpressionContext) {
        self.context = context
    }

    /// The function names expressions may call, with how many arguments each takes.
    static let functions: [String: ClosedRange<Int>] = [
        "contains": 2...2, "startsWith": 2...2, "endsWith": 2...2, "format": 1...99,
        "toJSON": 1...1, "fromJSON": 1...1, "success": 0...0, "failure": 0...0,
        "always": 0...0, "cancelled": 0...0,
    ]

    public func evaluate(_ expression: Expression) throws(ExpressionError) -> JSONValue {
        switch expression {
        case .literal(let value):
            return value
        case .name(let name, let offset):
            switch name {
            case "env": return .object(context.environment.mapValues { .string($0) })
            case "params": return .object(context.parameters.mapValues { .string($0) })
            case "matrix": return .object(context.matrix)
            case "steps":
                return .object(Dictionary(uniqueKeysWithValues: context.steps.map { id, state in (id.rawValue, Self.value(of: state)) }))
            default: throw ExpressionError(.unknownContext(name), at: offset)
            }
        case .member(.name(let name, let offset), let key, _):
            return try member(key, ofContext: name, at: offset)
        case .member(let base, let name, _):
            if case .object(let members) = try evaluate(base) { return members[name] ?? .null }
            return .null
        case .index(.name(let name, let offset), let index):
            guard Self.contexts.contains(name) else { throw ExpressionError(.unknownContext(name), at: offset) }
            return try member(evaluate(index).description, ofContext: name, at: offset)
        case .index(let base, let index):
            let container = try evaluate(base)
            switch (container, try evaluate(index)) {
            case (.array(let items), .number(let number)):
                let position = Int(number)
                return Double(position) == number && items.indices.contains(position) ? items[position] : .null
            case (.object(let members), let key):
                return members[key.description] ?? .null
            default:
                return .null
            }
        case .not(let operand):
            return .bool(!Self.isTruthy(try evaluate(operand)))
        case .binary(.and, let lhs, let rhs):
            let left = try evaluate(lhs)
            return Self.isTruthy(left) ? try evaluate(rhs) : left
        case .binary(.or, let lhs, let rhs):
            let left = try evaluate(lhs)
            return Self.isTruthy(left) ? left : try evaluate(rhs)
        case .binary(let comparison, let lhs, let rhs):
            return .bool(Self.compare(comparison, try evaluate(lhs), try evaluate(rhs)))
        case .call(let name, let arguments, let offset):
            return try call(name, arguments.map { argument throws(ExpressionError) in try evaluate(argument) }, at: offset)
        }
    }

    /// The names of the contexts expressions read.
    private static let contexts: Set<String> = ["env", "params", "matrix", "steps"]

    /// One member of a context (`steps.build`, `env.HOME`), read without
    /// making the whole context a value: a step late in a run of thousands
    /// that reads one of them costs one lookup, not one value per step.
    private func member(_ key: String, ofContext name: String, at offset: Int) throws(ExpressionError) -> JSONValue {
        switch name {
        case "env": return context.environment[key].map(JSONValue.string) ?? .null
        case "params": return context.parameters[key].map(JSONValue.string) ?? .null
        case "matrix": return context.matrix[key] ?? .null
        case "steps": return context.steps[StepID(key)].map(Self.value(of:)) ?? .null
        default: throw ExpressionError(.unknownContext(name), at: offset)
        }
    }

    /// What `steps.ID` is: its status and its outputs.
    private static func value(of step: ExpressionContext.StepState) -> JSONValue {
        .object(["status": .string(step.status.rawValue), "outputs": .object(step.outputs)])
    }

    /// The longest text `toJSON` and `format` make. Each `toJSON` of a
    /// `toJSON` doubles the text (quotes are escaped), so without a bound a
    /// few dozen nested calls would ask for more memory than exists.
    public static let maximumTextLength = 4 * 1024 * 1024

    private static func checkLength(_ count: Int, of function: String, at offset: Int) throws(ExpressionError) {
        guard count <= maximumTextLength else {
            throw ExpressionError(.evaluation("\(function): the text would be longer than 4 MiB (\(count) bytes)"), at: offset)
        }
    }

    private func call(_ name: String, _ arguments: [JSONValue], at offset: Int) throws(ExpressionError) -> JSONValue {
        // The loader checks calls, but an expression may come from elsewhere
        // (the public API): a wrong count is an error here too, never a trap.
        if let arity = Self.functions[name], !arity.contains(arguments.count) {
            let expected = arity.lowerBound == arity.upperBound
                ? "\(arity.lowerBound) argument\(arity.lowerBound == 1 ? "" : "s")"
                : "at least \(arity.lowerBound) argument\(arity.lowerBound == 1 ? "" : "s")"
            throw ExpressionError(.wrongArgumentCount(function: name, expected: expected, found: arguments.count), at: offset)
        }
        switch name {
        case "contains":
            if case .array(let items) = arguments[0] {
                return .bool(items.contains { Self.compare(.equal, $0, arguments[1]) })
            }
            return .bool(arguments[0].description.lowercased().contains(arguments[1].description.lowercased()))
        case "startsWith":
            return .bool(arguments[0].description.lowercased().hasPrefix(arguments[1].description.lowercased()))
        case "endsWith":
            return .bool(arguments[0].description.lowercased().hasSuffix(arguments[1].description.lowercased()))
        case "format":
            let text = try Self.format(arguments[0].description, Array(arguments.dropFirst()), at: offset)
            try Self.checkLength(text.utf8.count, of: name, at: offset)
            return .string(text)
        case "toJSON":
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let data = (try? encoder.encode(arguments[0])) ?? Data("null".utf8)
            try Self.checkLength(data.count, of: name, at: offset)
            return .string(String(decoding: data, as: UTF8.self))
        case "fromJSON":
            let text = arguments[0].description
            // Measured on the text, so a value too deep is never decoded.
            guard JSONValue.nestingDepth(ofJSONText: text.utf8) <= JSONValue.maximumDepth else {
                throw ExpressionError(
                    .evaluation("fromJSON: the value nests more than \(JSONValue.maximumDepth) levels deep"), at: offset)
            }
            do {
                return try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
            } catch {
                throw ExpressionError(.evaluation("fromJSON: the text is not JSON: \(text.prefix(60))"), at: offset)
            }
        case "success":
            return .bool(!context.isStopping && context.needStatuses.allSatisfy { $0 == .success })
        case "failure":
            return .bool(context.needStatuses.contains { $0 == .failure || $0 == .cancelled })
        case "always":
            return .bool(true)
        case "cancelled":
            return .bool(context.isStopping)
        default:
            throw ExpressionError(.unknownFunction(name, known: Self.functions.keys.sorted()), at: offset)
        }
    }

    /// `format('{0} of {1}', a, b)`; `{{` and `}}` stand for braces.
    static func format(_ pattern: String, _ arguments: [JSONValue], at offset: Int) throws(ExpressionError) -> String {
        var result = ""
        var characters = Substring(pattern)
        while let character = characters.first {
            characters = characters.dropFirst()
            if character == "{", characters.first == "{" {
                result.append("{")
                characters = characters.dropFirst()
            } else if character == "}", characters.first == "}" {
                result.append("}")
                characters = characters.dropFirst()
            } else if character == "{" {
                let digits = characters.prefix(while: \.isNumber)
                guard let index = Int(digits), characters.dropFirst(digits.count).first == "}" else {
                    throw ExpressionError(.evaluation("format: `{` must start `{N}` (or be doubled, `{{`)"), at: offset)
                }
                guard arguments.indices.contains(index) else {
                    throw ExpressionError(.evaluation("format: `{\(index)}` has no argument (given \(arguments.count))"), at: offset)
                }
                result += arguments[index].description
                characters = characters.dropFirst(digits.count + 1)
            } else {
                result.append(character)
            }
        }
        return result
    }

    /// `false`, `0`, `''` and `null` are false; everything else is true.
    public static func isTruthy(_ value: JSONValue) -> Bool {
        switch value {
        case .null: return false
        case .bool(let flag): return flag
        case .number(let number): return number != 0 && !number.isNaN
        case .string(let text): return !text.isEmpty
        case .array, .object: return true
        }
    }

    static func compare(_ operation: Expression.BinaryOperator, _ lhs: JSONValue, _ rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)):
            return apply(operation, a.lowercased(), b.lowercased())
        case (.array, _), (.object, _), (_, .array), (_, .object):
            // Containers are equal only to themselves, and never ordered.
            switch operation {
            case .equal: return lhs == rhs
            case .notEqual: return lhs != rhs
            default: return false
            }
        default:
            return apply(operation, number(lhs), number(rhs))
        }
    }

    private static func apply<Value: Comparable>(_ operation: Expression.BinaryOperator, _ a: Value, _ b: Value) -> Bool {
        switch operation {
        case .equal: return a == b
        case .notEqual: return a != b
        case .less: return a < b
        case .lessOrEqual: return a <= b
        case .greater: return a > b
        case .greaterOrEqual: return a >= b
        case .and, .or: return false
        }
    }

    static func number(_ value: JSONValue) -> Double {
        switch value {
        case .null: return 0
        case .bool(let flag): return flag ? 1 : 0
        case .number(let number): return number
        case .string(let text):
            let trimmed = text.trimmingWhitespace()
            return trimmed.isEmpty ? 0 : Double(trimmed) ?? .nan
        case .array, .object: return .nan
        }
    }
}
