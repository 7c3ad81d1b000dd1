package import NIOPosix

/// The scheduler's one entry into incremental runs: wraps the run of a step
/// that has `sources:` or `generates:`. Before, it decides (on the thread
/// pool) whether the step is up to date, restorable, or must run, and
/// records that as a `step-checked` event; after a run, it records what the
/// step produced. The scheduler only sees a ``StepResult``, with
/// ``StepResult/checked`` set when the step did not run.
package struct IncrementalHook: Sendable {
    package let engine: IncrementalEngine
    package let threadPool: NIOThreadPool

    package init(engine: IncrementalEngine, threadPool: NIOThreadPool = .singleton) {
        self.engine = engine
        self.threadPool = threadPool
    }

    /// Whether `step` goes through the hook.
    package func covers(_ step: Step) -> Bool { step.incremental.isIncremental }

    /// Decides for `step` (as written; `resolved` has its values filled in),
    /// and runs `body` (which records `step-started` and runs the attempts)
    /// only when the step must run.
    package func run(
        _ step: Step, resolved: Step, emit: @escaping @Sendable (TimelineEvent.Payload) -> Void,
        body: () async -> StepResult
    ) async -> StepResult {
        let engine = engine
        guard let evaluation = try? await threadPool.runIfActive({ engine.evaluate(step, resolved: resolved) }) else {
            return StepResult(status: .cancelled, error: "cancelled")
        }
        if step.incremental.sources != nil {
            var runReason: String?
            switch evaluation.verdict {
            case .upToDate:
                let outputs = (try? await threadPool.runIfActive { engine.acceptUpToDate(evaluation) }) ?? [:]
                emit(.stepChecked(StepChecked(step: step.id, outcome: .upToDate, reason: evaluation.verdict.reason, outputs: outputs.isEmpty ? nil : outputs)))
                return StepResult(status: .success, outputs: outputs, checked: .upToDate)
            case .restore(let reason):
                do {
                    let outputs = try await threadPool.runIfActive { try engine.restore(evaluation, step: step) }
                    emit(.stepChecked(StepChecked(step: step.id, outcome: .restored, reason: reason, outputs: outputs.isEmpty ? nil : outputs)))
                    return StepResult(status: .success, outputs: outputs, checked: .restored)
                } catch {
                    runReason = "\(reason); restoring from the cache failed (\(error))"
                }
            case .run(let reason):
                runReason = reason
            }
            emit(.stepChecked(StepChecked(step: step.id, outcome: .run, reason: runReason ?? "")))
        }
        let result = await body()
        // Recorded even when the run is stopping: a record left stale would
        // call the step up to date next time.
        _ = try? await threadPool.runIfActive { try engine.recordRun(evaluation, step: step, resolved: resolved, result: result) }
        return result
    }
}
