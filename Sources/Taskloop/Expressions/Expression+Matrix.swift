extension Expression {
    /// The functions whose value depends on how the step's needs ended: an
    /// expression that calls one is never evaluated ahead of time.
    static let statusFunctions: Set<String> = ["success", "failure", "always", "cancelled"]

    /// This expression with every part that reads only `matrix` (and calls
    /// no status function) replaced by its value, computed by `evaluator`
    /// (whose context holds the step's matrix). Parts that read `env`,
    /// `params` or `steps` stay, so they are evaluated when the step runs.
    func substitutingMatrix(with evaluator: ExpressionEvaluator) -> Expression {
        let paths = references
        if !paths.isEmpty, paths.allSatisfy({ $0.names[0] == "matrix" }),
           calledFunctions.isDisjoint(with: Self.statusFunctions),
           let value = try? evaluator.evaluate(self) {
            return .literal(value)
        }
        switch self {
        case .literal, .name:
            return self
        case .member(let base, let name, let offset):
            return .member(base.substitutingMatrix(with: evaluator), name, offset: offset)
        case .index(let base, let index):
            return .index(base.substitutingMatrix(with: evaluator), index.substitutingMatrix(with: evaluator))
        case .call(let name, let arguments, let offset):
            return .call(name, arguments.map { $0.substitutingMatrix(with: evaluator) }, offset: offset)
        case .not(let operand):
            return .not(operand.substitutingMatrix(with: evaluator))
        case .binary(let operation, let lhs, let rhs):
            return .binary(operation, lhs.substitutingMatrix(with: evaluator), rhs.substitutingMatrix(with: evaluator))
        }
    }
}

extension Template {
    /// Whether some expression of the template reads `matrix`.
    var readsMatrix: Bool {
        expressions.contains { $0.expression.references.contains { $0.names.first == "matrix" } }
    }

    /// The template's text with the matrix filled in: an expression that
    /// reads only `matrix` becomes its value, written as text; the others
    /// stay `${{ }}`, with `matrix` inside them replaced by its values, to
    /// be evaluated when the step runs.
    func substitutingMatrix(with evaluator: ExpressionEvaluator) -> String {
        var folded: [Part] = []
        for part in parts {
            if case .expression(let expression, let offset) = part {
                folded.append(.expression(expression.substitutingMatrix(with: evaluator), offset: offset))
            } else {
                folded.append(part)
            }
        }
        let remaining = folded.filter { part in
            if case .expression(.literal, _) = part { return false }
            if case .expression = part { return true }
            return false
        }.count
        let text = Self.text(of: folded, valuesAsText: true)
        // A value that holds `${{`, or whose `{{` follows a literal `$`, would
        // read as an expression at run time: then values are written as
        // string literals inside `${{ }}`, which read back as themselves.
        if (try? Template.parse(text).expressions.count) == remaining { return text }
        return Self.text(of: folded, valuesAsText: false)
    }

    private static func text(of parts: [Part], valuesAsText: Bool) -> String {
        var text = ""
        for part in parts {
            switch part {
            case .literal(let literal):
                text += literal
            case .expression(.literal(let value), _) where valuesAsText:
                text += value.description
            case .expression(.literal(let value), _):
                text += "${{ \(Expression.literalText(.string(value.description))) }}"
            case .expression(let expression, _):
                text += "${{ \(expression.sourceText) }}"
            }
        }
        return text
    }
}
