/// A problem in a `${{ }}` expression, at a character offset within it.
public struct ExpressionError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        case unexpectedCharacter(Character)
        case unterminatedString
        case unexpectedToken(found: String, expected: String)
        case unknownFunction(String, known: [String])
        case wrongArgumentCount(function: String, expected: String, found: Int)
        case unknownContext(String)
        case unknownParameter(String, known: [String])
        /// `nearest`: the step it most likely meant, if one is close.
        case unknownStep(String, nearest: String?)
        case stepNotNeeded(String, step: String)
        case unknownStepField(String)
        /// `matrix.KEY` in a step that has no `matrix:`.
        case matrixWithoutMatrix(step: String)
        case unknownMatrixKey(String, known: [String])
        /// `steps.ID` where `ID` is a step with a matrix: it names several steps.
        case matrixStepReference(String, example: String)
        case unclosedExpression
        case emptyExpression
        /// Nesting past ``ExpressionParser/maximumDepth``.
        case nestedTooDeeply(limit: Int)
        case evaluation(String)
    }

    public var kind: Kind

    /// The names an expression reads from.
    static let contexts = ["env", "params", "matrix", "steps"]
    /// Characters from the start of the expression's text (after `${{`).
    public var offset: Int

    public init(_ kind: Kind, at offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    public var description: String {
        switch kind {
        case .unexpectedCharacter(let character):
            return "unexpected character `\(character)` in the expression"
        case .unterminatedString:
            return "a string in the expression is not closed: end it with `'`"
        case .nestedTooDeeply(let limit):
            return "the expression nests more than \(limit) levels deep (parentheses, `!`, calls, `[...]`, "
                + "the parts of a path and chained comparisons each nest one): split it, or compute part of it in an earlier step"
        case .unexpectedToken(let found, let expected):
            return "expected \(expected), found \(found)"
        case .unknownFunction(let name, let known):
            return "unknown function `\(name)`" + PipelineProblem.suggestion(for: name, among: known, listing: true)
        case .wrongArgumentCount(let function, let expected, let found):
            return "`\(function)` takes \(expected), given \(found)"
        case .unknownContext(let name):
            let reads = "expressions read `env.NAME`, `params.NAME`, `matrix.KEY` and `steps.ID.outputs.KEY` or `steps.ID.status`"
            if let function = ExpressionEvaluator.functions.keys.first(where: { $0.lowercased() == name.lowercased() }) {
                return "`\(name)` is a function: call it, as `\(function)(...)`"
            }
            if let nearest = NearestName.find(name, among: Self.contexts) {
                return "unknown name `\(name)`; did you mean `\(nearest)`? (\(reads))"
            }
            return "unknown name `\(name)`: " + reads
        case .unknownParameter(let name, let known):
            return "unknown parameter `\(name)`" + PipelineProblem.suggestion(for: name, among: known, listing: true)
        case .unknownStep(let name, let nearest):
            return "`steps.\(name)`: no step `\(name)` in this pipeline" + PipelineProblem.suggestion(nearest: nearest)
        case .stepNotNeeded(let name, let step):
            return "step `\(step)` reads `steps.\(name)`, but `\(name)` is not among its `needs` (directly or indirectly): add it to `needs` so it has run first"
        case .unknownStepField(let field):
            return "a step has `outputs` and `status`, not `\(field)`"
                + PipelineProblem.suggestion(for: field, among: ["outputs", "status"], listing: false)
        case .matrixWithoutMatrix(let step):
            return "step `\(step)` reads `matrix`, but it has no `matrix:`; add one, or read `params` or `env` instead"
        case .unknownMatrixKey(let key, let known):
            return "the matrix of this step has no key `\(key)`" + PipelineProblem.suggestion(for: key, among: known, listing: true)
        case .matrixStepReference(let name, let example):
            return "`steps.\(name)`: step `\(name)` has a matrix, so it runs as several steps; name one of them, such as `steps['\(example)']`"
        case .unclosedExpression:
            return "`${{` is not closed: end the expression with `}}`"
        case .emptyExpression:
            return "the expression is empty: write one between `${{` and `}}`"
        case .evaluation(let message):
            return message
        }
    }
}
