/// The attempt of a step without a `timeout`, run in the step's own task:
/// no task group and no watcher tasks (most steps have no timeout, and a
/// run of thousands of short steps spends much of its time making tasks).
///
/// The scheduler's stop signal cancels this task directly; the kind then
/// winds down as it would in a child task (a shell step ends its process
/// group), and this returns only once it has, so nothing the step started
/// outlives the attempt. Only a step without a timeout runs this way: a
/// cancelled task stays cancelled, and after the scheduler's signal no
/// further attempt starts, while after a timeout one may.
extension StepAttempt {
    @inline(never)
    nonisolated(nonsending) func runInThisTask() async -> StepResult {
        withUnsafeCurrentTask { task in stopSignal.cancelOnFire(task) }
        let outcome: Result<StepOutputs, any Error>
        do {
            outcome = .success(try await step.action.run(in: context))
        } catch {
            outcome = .failure(error)
        }
        return finishedInThisTask(outcome)
    }

    /// The attempt's result, once its kind has returned: a failure after the
    /// signal fired is the stop's.
    @inline(never)
    private func finishedInThisTask(_ outcome: Result<StepOutputs, any Error>) -> StepResult {
        let reason = stopSignal.release()
        var result: StepResult
        switch (outcome, reason) {
        case (.failure(let error), .some(let reason)):
            result = Self.stoppedResult(reason, failure: error as? StepFailure)
        default:
            result = Self.result(of: outcome)
        }
        result.lane = context.lane
        return result
    }
}
