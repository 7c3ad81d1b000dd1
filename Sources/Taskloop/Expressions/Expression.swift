/// A parsed `${{ }}` expression.
///
/// The language is GitHub Actions' expression language, a small one: literals,
/// property access into the contexts (`env`, `params`, `matrix`, `steps`), comparison and
/// logic operators, and a few functions.
public indirect enum Expression: Sendable, Hashable {
    case literal(JSONValue)
    /// A bare name: a context (`steps`) or, before `(`, a function.
    case name(String, offset: Int)
    /// `base.name` or `base['name']`.
    case member(Expression, String, offset: Int)
    /// `base[index]` with a computed index.
    case index(Expression, Expression)
    case call(String, [Expression], offset: Int)
    case not(Expression)
    case binary(BinaryOperator, Expression, Expression)

    public enum BinaryOperator: String, Sendable, Hashable {
        case equal = "=="
        case notEqual = "!="
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
        case and = "&&"
        case or = "||"
    }
}

extension Expression {
    /// Every function name this expression calls.
    var calledFunctions: Set<String> {
        switch self {
        case .literal, .name: return []
        case .member(let base, _, _): return base.calledFunctions
        case .index(let base, let index): return base.calledFunctions.union(index.calledFunctions)
        case .call(let name, let arguments, _): return arguments.reduce([name]) { $0.union($1.calledFunctions) }
        case .not(let operand): return operand.calledFunctions
        case .binary(_, let lhs, let rhs): return lhs.calledFunctions.union(rhs.calledFunctions)
        }
    }

    /// A name followed by member accesses (`steps.build.outputs.x`), with
    /// the offset of its first name; nil for anything else.
    var path: (names: [String], offset: Int)? {
        switch self {
        case .name(let name, let offset):
            return ([name], offset)
        case .member(let base, let name, _):
            guard let inner = base.path else { return nil }
            return (inner.names + [name], inner.offset)
        default:
            return nil
        }
    }

    /// The longest context paths this expression reads.
    var references: [(names: [String], offset: Int)] {
        if let path { return [path] }
        switch self {
        case .literal, .name: return []
        case .member(let base, _, _): return base.references
        case .index(let base, let index): return base.references + index.references
        case .call(_, let arguments, _): return arguments.flatMap(\.references)
        case .not(let operand): return operand.references
        case .binary(_, let lhs, let rhs): return lhs.references + rhs.references
        }
    }
}
