import NIOCore

/// Runs one attempt of one step: the kind's `run(in:)`, raced against the
/// step's `timeout` (a signal of this attempt's own) and the scheduler's stop
/// signal (fail-fast, interrupt), which outlives the attempt.
///
/// When the timeout or the signal fires first, the step's task is cancelled
/// and this waits for it to finish reacting (a shell step ends its process
/// group), so nothing a step started outlives its attempt.
package struct StepAttempt: Sendable {
    package let step: Step
    package let context: StepContext
    package let stopSignal: StopSignal

    private enum Finish: Sendable {
        case ran(Result<StepOutputs, any Error>)
        case stopped(StopReason?)
    }

    /// The attempt's result, with the lane it ended on.
    nonisolated(nonsending) package func run() async -> StepResult {
        step.timeout == nil ? await runInThisTask() : await runRacingStops()
    }

    private func runRacingStops() async -> StepResult {
        let action = step.action
        let context = context
        let stopSignal = stopSignal
        let timeoutSignal = StopSignal()
        let scheduledTimeout = step.timeout.map { timeout in
            context.eventLoop.scheduleTask(in: .nanoseconds(timeout.nanosecondsClamped)) {
                timeoutSignal.fire(.timeout(timeout))
            }
        }
        defer { scheduledTimeout?.cancel() }

        return await withTaskGroup(of: Finish.self) { group in
            group.addTask {
                do {
                    return .ran(.success(try await action.run(in: context)))
                } catch {
                    return .ran(.failure(error))
                }
            }
            group.addTask { .stopped(await stopSignal.wait()) }
            group.addTask { .stopped(await timeoutSignal.wait()) }

            let first = await group.next()!
            group.cancelAll()
            var result: StepResult
            switch first {
            case .ran(let outcome):
                result = Self.result(of: outcome)
            case .stopped(nil):
                // A watcher ended because the group was cancelled from outside.
                result = StepResult(status: .cancelled, error: "cancelled")
            case .stopped(let reason):
                // Wait for the step to wind down; its own result no longer counts.
                var failure: StepFailure?
                while let next = await group.next() {
                    if case .ran(let outcome) = next, case .failure(let error as StepFailure) = outcome { failure = error }
                }
                result = Self.stoppedResult(reason, failure: failure)
            }
            result.lane = context.lane
            return result
        }
    }

    // Not inlined, here and below: in an async caller, the strings these
    // build would widen the frame of every step's task.
    @inline(never)
    static func result(of result: Result<StepOutputs, any Error>) -> StepResult {
        switch result {
        case .success(let outputs):
            // An output too deep to record would cost the step's end in the log.
            if let (name, _) = outputs.first(where: { !$0.value.isWithinDepthLimit }) {
                return StepResult(
                    status: .failure,
                    error: "its output `\(name)` nests more than \(JSONValue.maximumDepth) levels deep, more than Taskloop records")
            }
            return .success(outputs)
        case .failure(let failure as StepFailure):
            var result = StepResult(
                status: .failure, outputs: failure.outputs, exitCode: failure.exitCode,
                error: failure.message, details: failure.details)
            result.workerCrashed = failure.isWorkerCrash
            return result
        case .failure(is CancellationError):
            return StepResult(status: .cancelled, error: "cancelled")
        case .failure(let error):
            return StepResult(status: .failure, error: "\(error)")
        }
    }

    @inline(never)
    static func stoppedResult(_ reason: StopReason?, failure: StepFailure?) -> StepResult {
        switch reason {
        case .timeout(let limit):
            var result = StepResult(
                status: .failure, exitCode: failure?.exitCode,
                error: "timed out after \(limit.compactDescription) (the step's `timeout`)",
                details: failure?.details ?? [])
            result.timedOut = true
            return result
        case .pipelineTimeout(let limit):
            return StepResult(
                status: .cancelled, error: "cancelled: the pipeline's timeout of \(limit.compactDescription) was reached",
                details: failure?.details ?? [])
        case .cancelled, nil:
            return StepResult(status: .cancelled, error: "cancelled", details: failure?.details ?? [])
        }
    }
}
