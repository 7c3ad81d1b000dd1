import Foundation

/// Fills in a step's `${{ }}` values just before it runs: its `env:` and, when
/// its kind's configuration holds expressions, the configuration, decoded
/// again by the kind with the values in place.
enum StepPreparation {
    static func prepare(_ step: Step, with evaluator: ExpressionEvaluator) throws(StepFailure) -> Step {
        var prepared = step
        for (name, value) in step.environment where Template.containsExpression(value) {
            prepared.environment[name] = try render(value, field: "`env.\(name)`", with: evaluator)
        }
        if step.incremental.isIncremental {
            // The definition with its values filled in: what the step's incremental key hashes.
            prepared.definition = step.definition?.replacingScalars { node -> String? in
                guard let text = node.scalarText, Template.containsExpression(text) else { return nil }
                return try? render(text, field: "", with: evaluator)
            }
        }
        guard let deferred = step.deferredConfiguration else { return prepared }
        var renderError: StepFailure?
        let node = deferred.node.replacingScalars { node -> String? in
            guard let text = node.scalarText, Template.containsExpression(text), renderError == nil else { return nil }
            do throws(StepFailure) {
                return try render(text, field: deferred.field, with: evaluator)
            } catch {
                renderError = error
                return nil
            }
        }
        if let renderError { throw renderError }
        do throws(PipelineDiagnostics) {
            let kind = deferred.kind
            prepared.action = try kind.init(from: node, field: deferred.field)
        } catch {
            let problems = error.diagnostics.map { "\($0.location.map { "line \($0.line): " } ?? "")\($0.problem.message)" }
            throw StepFailure("with its expressions filled in, \(problems.joined(separator: "; "))")
        }
        return prepared
    }

    /// `text` with its `${{ }}` filled in. A value that brings a NUL
    /// character (a step's output can hold one) fails the step, as the file
    /// itself may not hold one: a path, a command or a variable would be cut
    /// there without a word.
    static func render(_ text: String, field: String, with evaluator: ExpressionEvaluator) throws(StepFailure) -> String {
        let rendered: String
        do {
            rendered = try Template.parse(text).render(with: evaluator)
        } catch {
            throw StepFailure("\(field): \(error.description)")
        }
        if rendered.utf8.contains(0) {
            throw StepFailure("\(field): a value filled in holds a NUL character, which no file name, command, "
                + "environment variable or URL can carry (it would be cut there)")
        }
        return rendered
    }
}
