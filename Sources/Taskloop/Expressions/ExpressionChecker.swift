/// Checks the `${{ }}` expressions of a pipeline when it is loaded: their
/// syntax, the functions they call, and the names they read. A step may read
/// only the steps it needs, directly or not, since only those have run, and
/// `matrix` only in a step with a matrix.
struct ExpressionChecker {
    let pipeline: Pipeline
    /// The text of every file that declares steps, by path, to find where in
    /// its line an expression stands.
    let sources: [String: SourceText]
    /// For each step (by index): the keys its matrix combinations have, or
    /// nil when it has no matrix. Empty: no step has one.
    var matrixKeys: [[String]?] = []
    /// The steps that have a matrix, by their written id, with the ids of
    /// the steps they expand into.
    let matrixSteps: [String: [StepID]]
    /// How messages name each step (by index): a matrix step's expansions
    /// are named by the id written in the file. Empty: by their ids.
    var names: [String] = []
    /// What a misspelt `steps.NAME` may have meant: every step id and every
    /// matrix step's written id.
    private let stepNames: [String]
    /// The position of each step id (the first, should ids repeat).
    private let stepIndex: [String: Int]
    private let reachability: DependencyReachability

    init(pipeline: Pipeline, graph: StepGraph, sources: [String: SourceText], matrixSteps: [String: [StepID]] = [:]) {
        self.pipeline = pipeline
        self.sources = sources
        self.matrixSteps = matrixSteps
        stepNames = pipeline.steps.map(\.id.rawValue) + matrixSteps.keys.sorted()
        var stepIndex: [String: Int] = [:]
        stepIndex.reserveCapacity(pipeline.steps.count)
        for (index, step) in pipeline.steps.enumerated() where stepIndex[step.id.rawValue] == nil {
            stepIndex[step.id.rawValue] = index
        }
        self.stepIndex = stepIndex
        reachability = DependencyReachability(graph: graph)
    }

    /// A scalar value of a step, with the words that name it in messages.
    struct Value {
        var node: ConfigNode
        var field: String
        /// Whether the value is pasted into a shell command.
        var isShellCommand = false
    }

    /// Errors (and warnings) for the values of step `index`.
    func check(step index: Int, values: [Value]) -> [Diagnostic] {
        var problems: [Diagnostic] = []
        for value in values {
            guard case .scalar(let text, _) = value.node.content, Template.containsExpression(text) else { continue }
            let template: Template
            do {
                template = try Template.parse(text)
            } catch {
                problems.append(diagnostic(error, in: value))
                continue
            }
            for (expression, offset) in template.expressions {
                problems += check(expression, at: offset, step: index, in: value)
            }
        }
        return problems
    }

    /// Checks an `if:` written without `${{ }}` (the whole value is the expression).
    func check(condition expression: Expression, step index: Int, in value: Value) -> [Diagnostic] {
        check(expression, at: 0, step: index, in: value, bare: true)
    }

    private func check(_ expression: Expression, at offset: Int, step index: Int, in value: Value, bare: Bool = false) -> [Diagnostic] {
        var problems: [Diagnostic] = []
        let stepID = names.indices.contains(index) ? names[index] : pipeline.steps[index].id.rawValue
        for error in callErrors(in: expression) {
            problems.append(diagnostic(ExpressionError(error.kind, at: offset + error.offset), in: value, bare: bare))
        }
        for (path, nameOffset) in expression.references {
            let at = offset + nameOffset
            var problem: ExpressionError.Kind?
            switch path[0] {
            case "env":
                // The shell has the environment already: `$NAME` reads it as data.
                if value.isShellCommand {
                    let name = path.count > 1 ? path[1] : nil
                    problems.append(Diagnostic(
                        .environmentInShellCommand(
                            step: stepID, expression: path.prefix(2).joined(separator: "."), name: name,
                            isSecret: name.map(pipeline.secrets.contains) ?? !pipeline.secrets.isEmpty),
                        at: location(at, in: value, bare: bare), severity: .warning))
                }
            case "matrix":
                guard let keys = matrixKeys.indices.contains(index) ? matrixKeys[index] : nil else {
                    problem = .matrixWithoutMatrix(step: stepID)
                    break
                }
                if path.count > 1, !keys.contains(path[1]) {
                    problem = .unknownMatrixKey(path[1], known: keys)
                }
            case "params":
                if path.count > 1, pipeline.parameters[path[1]] == nil {
                    problem = .unknownParameter(path[1], known: pipeline.parameters.keys.sorted())
                } else if value.isShellCommand {
                    // `--param` values come from whoever runs the pipeline.
                    problems.append(Diagnostic(
                        .parameterInShellCommand(step: stepID, expression: path.prefix(2).joined(separator: ".")),
                        at: location(at, in: value, bare: bare), severity: .warning))
                }
            case "steps":
                guard path.count > 1 else { break }
                if let target = stepIndex[path[1]] {
                    if !reachability.needs(index, target) {
                        problem = .stepNotNeeded(path[1], step: stepID)
                    } else if path.count > 2, !["outputs", "status"].contains(path[2]) {
                        problem = .unknownStepField(path[2])
                    } else if value.isShellCommand, path.count > 2, path[2] == "outputs" {
                        problems.append(Diagnostic(
                            .outputInShellCommand(step: stepID, expression: path.joined(separator: ".")),
                            at: location(at, in: value, bare: bare), severity: .warning))
                    }
                } else if let expansions = matrixSteps[path[1]], let first = expansions.first {
                    problem = .matrixStepReference(path[1], example: first.rawValue)
                } else {
                    problem = .unknownStep(path[1], nearest: NearestName.find(path[1], among: stepNames))
                }
            default:
                problem = .unknownContext(path[0])
            }
            if let problem {
                problems.append(diagnostic(ExpressionError(problem, at: at), in: value, bare: bare))
            }
        }
        return problems
    }

    /// Unknown functions and wrong argument counts, anywhere in the expression.
    private func callErrors(in expression: Expression) -> [ExpressionError] {
        switch expression {
        case .literal, .name: return []
        case .member(let base, _, _): return callErrors(in: base)
        case .index(let base, let index): return callErrors(in: base) + callErrors(in: index)
        case .not(let operand): return callErrors(in: operand)
        case .binary(_, let lhs, let rhs): return callErrors(in: lhs) + callErrors(in: rhs)
        case .call(let name, let arguments, let offset):
            var errors = arguments.flatMap { callErrors(in: $0) }
            if let arity = ExpressionEvaluator.functions[name] {
                if !arity.contains(arguments.count) {
                    let expected = arity.lowerBound == arity.upperBound
                        ? "\(arity.lowerBound) argument\(arity.lowerBound == 1 ? "" : "s")"
                        : "at least \(arity.lowerBound) argument\(arity.lowerBound == 1 ? "" : "s")"
                    errors.append(ExpressionError(.wrongArgumentCount(function: name, expected: expected, found: arguments.count), at: offset))
                }
            } else {
                errors.append(ExpressionError(.unknownFunction(name, known: ExpressionEvaluator.functions.keys.sorted()), at: offset))
            }
            return errors
        }
    }

    func diagnostic(_ error: ExpressionError, in value: Value, bare: Bool = false) -> Diagnostic {
        Diagnostic(.expression(error, field: value.field), at: location(error.offset, in: value, bare: bare))
    }

    private func location(_ offset: Int, in value: Value, bare: Bool) -> SourceLocation {
        guard case .scalar(let text, _) = value.node.content else { return value.node.location }
        if bare {
            // A bare `if:` expression: the offset counts from the value's first character.
            let quoted = source(of: value.node.location).isQuoted(at: value.node.location)
            return SourceLocation(file: value.node.location.file, line: value.node.location.line, column: value.node.location.column + offset + (quoted ? 1 : 0))
        }
        return source(of: value.node.location).location(of: offset, in: text, scalarAt: value.node.location)
    }

    private func source(of location: SourceLocation) -> SourceText {
        sources[location.file] ?? SourceText("")
    }
}

extension SourceText {
    /// Whether the scalar written at `location` starts with a quote.
    func isQuoted(at location: SourceLocation) -> Bool {
        let character = self.character(at: location)
        return character == "\"" || character == "'"
    }
}
