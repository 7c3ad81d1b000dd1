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
    /// and runs `body` (which records `step-started` and runs the attempts
    /// with the conditional request it is given) only when the step must
    /// run, or must ask its server (an http download that would be up to
    /// date: a 304 makes it up to date after all).
    package func run(
        _ step: Step, resolved: Step, emit: @escaping @Sendable (TimelineEvent.Payload) -> Void,
        body: (HTTPConditionalRequest?) async -> StepResult
    ) async -> StepResult {
        let engine = engine
        guard let evaluation = try? await threadPool.runIfActive({ engine.evaluate(step, resolved: resolved) }) else {
            return StepResult(status: .cancelled, error: "cancelled")
        }
        if let conditionalRequest = evaluation.conditionalRequest {
            return await revalidate(step, resolved: resolved, evaluation: evaluation, conditionalRequest: conditionalRequest, emit: emit, body: body)
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
        let result = await body(nil)
        // Recorded even when the run is stopping: a record left stale would
        // call the step up to date next time.
        _ = try? await threadPool.runIfActive { try engine.recordRun(evaluation, step: step, resolved: resolved, result: result) }
        return result
    }

    /// Runs an http download with its conditional request: a 304 makes it
    /// up to date (its recorded outputs stand, the file is untouched);
    /// another answer is a run, recorded as one.
    private func revalidate(
        _ step: Step, resolved: Step, evaluation: IncrementalEngine.Evaluation, conditionalRequest: HTTPConditionalRequest,
        emit: @escaping @Sendable (TimelineEvent.Payload) -> Void, body: (HTTPConditionalRequest?) async -> StepResult
    ) async -> StepResult {
        let engine = engine
        let result = await body(conditionalRequest)
        if result.status == .success, case .number(304)? = result.outputs["status"] {
            let answer = result.outputs
            let outputs = (try? await threadPool.runIfActive { engine.acceptNotModified(evaluation, responseOutputs: answer) }) ?? [:]
            emit(.stepChecked(StepChecked(step: step.id, outcome: .upToDate, reason: IncrementalEngine.notModifiedReason, outputs: outputs.isEmpty ? nil : outputs)))
            var upToDate = result
            upToDate.outputs = outputs
            upToDate.checked = .upToDate
            upToDate.checkedAfterStarting = true
            return upToDate
        }
        if result.status == .success, case .number(let status)? = result.outputs["status"] {
            emit(.stepChecked(StepChecked(step: step.id, outcome: .run, reason: "the server sent a new version (\(Int(status)))")))
        }
        _ = try? await threadPool.runIfActive { try engine.recordRun(evaluation, step: step, resolved: resolved, result: result) }
        return result
    }
}
