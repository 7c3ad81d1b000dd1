import Foundation

/// One step's answer to `taskloop why`.
public struct StepExplanation: Sendable, Hashable {
    public enum Answer: String, Sendable, Hashable {
        case upToDate = "up to date"
        case restore = "restore"
        case run = "run"
    }

    public var step: StepID
    public var answer: Answer
    /// "source src/a.c changed", "no sources: always runs", ...
    public var reason: String
    /// Needs that would run first and could still change this step's answer.
    public var pendingNeeds: [StepID] = []

    /// `up to date`, `would be restored from the cache: output build/app
    /// missing`, `would run: command changed`, with a note about needs that
    /// run first.
    public var text: String {
        var text: String
        switch answer {
        case .upToDate: text = "up to date"
        case .restore: text = "would be restored from the cache: \(reason)"
        case .run: text = "would run: \(reason)"
        }
        if !pendingNeeds.isEmpty, answer != .run {
            let names = pendingNeeds.map { "`\($0)`" }.joined(separator: ", ")
            text += " (unless \(names), which would run first, change\(pendingNeeds.count == 1 ? "s" : "") its output)"
        }
        return text
    }
}

/// `taskloop why`: for each step, whether a run now would run it and the
/// exact reason, without running anything. Steps are judged in dependency
/// order; a step whose needs would run is judged against their last
/// recorded outputs, and says that they could still change its answer.
/// Expressions that read needs' outputs see their last recorded values.
public enum IncrementalExplainer {
    /// Blocking (reads and hashes files): call it off the event loop.
    public static func explain(
        _ pipeline: Pipeline, steps selected: Set<StepID>? = nil, options: IncrementalOptions = IncrementalOptions(),
        environment: [String: String]? = nil
    ) throws -> [StepExplanation] {
        let environment = environment ?? ProcessEnvironment.atStart
        let engine: IncrementalEngine
        do {
            engine = try IncrementalEngine(pipeline: pipeline, options: options, environment: environment)
        } catch {
            throw ExplanationError(description: error.description)
        }
        defer { engine.close() }
        var explanations: [StepID: StepExplanation] = [:]
        var outputDigests: [StepID: String] = [:]
        var recordedOutputs: [StepID: ExpressionContext.StepState] = [:]
        for index in StepGraph(steps: pipeline.steps).topologicalOrder() {
            let step = pipeline.steps[index]
            let record = engine.cache.record(pipelineFile: engine.pipelineFile, step: step.id)
            recordedOutputs[step.id] = .init(status: .success, outputs: record?.result.taskloopOutputs ?? [:])
            let pending = step.needs.map(\.id).filter { need in
                explanations[need].map { $0.answer == .run || !$0.pendingNeeds.isEmpty } ?? false
            }
            var resolved = step
            if step.usesExpressions {
                let context = ExpressionContext(
                    environment: environment.merging(pipeline.environment) { _, new in new }.merging(step.environment.filter { !Template.containsExpression($0.value) }) { _, new in new },
                    parameters: pipeline.parameters, steps: recordedOutputs,
                    needStatuses: step.needs.map { _ in .success })
                do {
                    resolved = try StepPreparation.prepare(step, with: ExpressionEvaluator(context: context))
                } catch {
                    explanations[step.id] = StepExplanation(step: step.id, answer: .run, reason: "its values cannot be filled in yet (\(error.message))")
                    continue
                }
            }
            let evaluation = engine.evaluate(step, resolved: resolved, upstream: outputDigests)
            let explanation: StepExplanation
            switch evaluation.verdict {
            case .upToDate:
                explanation = StepExplanation(step: step.id, answer: .upToDate, reason: evaluation.verdict.reason, pendingNeeds: pending)
                outputDigests[step.id] = evaluation.previous?.result.outputDigest
            case .restore(let reason):
                explanation = StepExplanation(step: step.id, answer: .restore, reason: reason, pendingNeeds: pending)
                outputDigests[step.id] = evaluation.cached?.outputDigest
            case .run(let reason):
                explanation = StepExplanation(step: step.id, answer: .run, reason: reason)
                outputDigests[step.id] = record?.result.outputDigest
            }
            explanations[step.id] = explanation
        }
        return pipeline.steps.compactMap { step in
            guard selected.map({ $0.contains(step.id) || $0.contains(StepID(step.id.rawValue.split(separator: "[").first.map(String.init) ?? "")) }) ?? true else { return nil }
            return explanations[step.id]
        }
    }
}

/// The cache folder could not be opened for `taskloop why`.
public struct ExplanationError: Error, Sendable, CustomStringConvertible {
    public var description: String
}
