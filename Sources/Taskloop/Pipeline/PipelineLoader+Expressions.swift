extension PipelineLoader {
    /// Checks every `${{ }}` of every step, and reads each step's `if:`.
    /// `steps[i]` is how `pipeline.steps[i]` was written. Expressions are
    /// checked as written, so their places are places in the file; a matrix
    /// step's `if:` then gets its combination's values.
    func checkExpressions(
        of pipeline: inout Pipeline, steps: [ExpandedStep], expansions: [String: [StepID]], sources: [String: SourceText]
    ) -> [Diagnostic] {
        // Most steps hold no expression. The checker (an index of every step
        // and of what each needs, transitively) is made at the first value
        // that does, from the pipeline as loaded, before any `if:` is read
        // into it; a value without `${{` is not even named.
        let loaded = pipeline
        var made: ExpressionChecker?
        func checker() -> ExpressionChecker {
            if let made { return made }
            var checker = ExpressionChecker(pipeline: loaded, graph: StepGraph(steps: loaded.steps), sources: sources, matrixSteps: expansions)
            checker.matrixKeys = steps.map(\.matrixKeys)
            checker.names = steps.map(\.name)
            made = checker
            return checker
        }
        var problems: [Diagnostic] = []
        for (index, expanded) in steps.enumerated() {
            let name = expanded.name
            guard case .mapping(let entries) = expanded.written.content else { continue }
            var values: [ExpressionChecker.Value] = []
            for entry in entries {
                switch entry.name {
                case "env":
                    guard case .mapping(let variables) = entry.value.content else { continue }
                    for variable in variables where variable.value.holdsExpression {
                        values.append(.init(node: variable.value, field: "`env.\(variable.name)` of step `\(name)`"))
                    }
                case _ where registry.builtInNames.contains(entry.name):
                    let isShell = entry.name == ShellStep.name
                    for scalar in entry.value.scalarValues where scalar.holdsExpression {
                        values.append(.init(node: scalar, field: "`\(entry.name)` of step `\(name)`", isShellCommand: isShell))
                    }
                case "with", "cpu":
                    for scalar in entry.value.scalarValues where scalar.holdsExpression {
                        values.append(.init(node: scalar, field: "`with` of step `\(name)`"))
                    }
                case "if":
                    let value = ExpressionChecker.Value(node: entry.value, field: "`if` of step `\(name)`")
                    let checker = checker()
                    switch condition(of: value, checker: checker) {
                    case .success(var condition):
                        problems += checker.check(condition: condition.expression, step: index, in: value)
                        if let values = expanded.matrixValues {
                            let evaluator = ExpressionEvaluator(context: ExpressionContext(matrix: values))
                            condition.expression = condition.expression.substitutingMatrix(with: evaluator)
                        }
                        pipeline.steps[index].condition = condition
                    case .failure(let failure):
                        problems += failure.diagnostics
                    }
                default:
                    continue
                }
            }
            if !values.isEmpty { problems += checker().check(step: index, values: values) }
        }
        return problems
    }

    /// Reads `if:`: one expression, bare (`if: failure()`) or in `${{ }}`.
    private func condition(of value: ExpressionChecker.Value, checker: ExpressionChecker) -> Result<StepCondition, PipelineDiagnostics> {
        guard case .scalar(let text, _) = value.node.content, !value.node.isNull else {
            return .failure(PipelineDiagnostics(
                .wrongType(field: value.field, expected: "an expression such as `failure()` or `${{ params.deploy == 'yes' }}`", found: value.node.shapeDescription),
                at: value.node.location))
        }
        if Template.containsExpression(text) {
            do {
                let template = try Template.parse(text)
                let literals = template.parts.filter { part in
                    if case .literal(let literal) = part { return !literal.allSatisfy(\.isWhitespace) }
                    return false
                }
                guard template.expressions.count == 1, literals.isEmpty, let only = template.expressions.first else {
                    return .failure(PipelineDiagnostics(
                        .invalidValue(field: value.field, reason: "write one expression, such as `${{ steps.build.outputs.changed == 'yes' }}`"),
                        at: value.node.location))
                }
                return .success(StepCondition(expression: only.expression, text: text, location: value.node.location))
            } catch {
                return .failure(PipelineDiagnostics([checker.diagnostic(error, in: value)]))
            }
        }
        do throws(ExpressionError) {
            return .success(StepCondition(expression: try ExpressionParser.parse(text), text: text, location: value.node.location))
        } catch {
            return .failure(PipelineDiagnostics([checker.diagnostic(error, in: value, bare: true)]))
        }
    }
}

extension ConfigNode {
    /// Whether the node is a scalar with a `${{ }}` in it.
    fileprivate var holdsExpression: Bool {
        guard case .scalar(let text, _) = content else { return false }
        return Template.containsExpression(text)
    }
}
