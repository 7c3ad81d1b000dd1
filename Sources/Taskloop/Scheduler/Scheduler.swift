package import NIOCore
import Foundation
import NIOPosix

/// Drives a ``Plan`` on the event loop: starts ready steps while there is
/// capacity, awaits the next one to finish, records it, and repeats.
///
/// Every step runs as a child task of one task group, and the whole group runs
/// with the loop's ``EventLoopTaskExecutor`` as its executor preference, so the
/// code of every I/O step runs on the loop's one thread. The scheduler's own
/// state (the plan, the stop signals) is local to ``run(interruption:)`` and
/// only touched between awaits of that one task: no locks, no actor.
///
/// A class of constants: every step's task and closures capture one
/// reference to it, not a copy of a dozen fields to retain and release.
package final class Scheduler: Sendable {
    package let pipeline: Pipeline
    package let options: RunOptions
    package let eventLoop: any EventLoop
    package let observers: [any RunObserver]
    package let clock: RunClock
    /// Watches the loop for stalls while the steps run.
    package let loopLagMonitor: LoopLagMonitor?
    /// Decides for steps with `sources:` whether they run (nil when no step has them).
    package let incremental: IncrementalHook?
    /// The environment Taskloop was started with, read once per run.
    private let inheritedEnvironment: [String: String]
    /// The pipeline's folder as an absolute path, resolved once (not per step, on the loop).
    private let pipelineDirectory: String
    /// What every step's context shares, among it the masker of the
    /// pipeline's `secrets:` in what steps print.
    private let stepServices: StepContext.RunServices

    package init(
        pipeline: Pipeline, options: RunOptions, eventLoop: any EventLoop, observers: [any RunObserver],
        clock: RunClock, httpClient: SharedHTTPClient, runDirectory: String, workerPool: WorkerPool? = nil,
        loopLagMonitor: LoopLagMonitor? = nil, incremental: IncrementalHook? = nil
    ) {
        let inheritedEnvironment = ProcessEnvironment.atStart
        self.inheritedEnvironment = inheritedEnvironment
        let secretMasker = pipeline.secrets.isEmpty
            ? SecretMasker(values: []) : SecretMasker(pipeline: pipeline, environment: inheritedEnvironment)
        self.incremental = incremental
        self.loopLagMonitor = loopLagMonitor
        self.pipelineDirectory = PipelineRunner.absolute(pipeline.directory)
        self.pipeline = pipeline
        self.options = options
        self.eventLoop = eventLoop
        self.observers = observers
        self.clock = clock
        self.stepServices = StepContext.RunServices(
            eventLoop: eventLoop, threadPool: .singleton, terminationGracePeriod: options.terminationGracePeriod,
            httpClient: httpClient, runDirectory: runDirectory, workerPool: workerPool, secretMasker: secretMasker,
            eventHandler: { payload in Self.emit(payload, step: nil, at: clock, to: observers) },
            outputHandler: { chunk in
                for observer in observers { observer.stepOutput(chunk) }
            })
    }

    private enum Completion: Sendable {
        case step(Int, StepResult)
        case interrupted
        case timedOut(Duration)
        /// A watcher (interrupt, timeout) that ended because the run did.
        case watcherEnded
    }

    /// Runs the pipeline; returns once every step has finished or been skipped.
    /// When `interruption` fires (or the calling task is cancelled), nothing new
    /// starts and the running steps are cancelled.
    package func run(interruption: StopSignal) async -> RunFinished {
        let executor = EventLoopTaskExecutor(eventLoop: eventLoop)
        let finished = await withTaskExecutorPreference(executor) {
            await runSteps(interruption: interruption)
        }
        await stepServices.fileRemoval.finish()
        return finished
    }

    private func runSteps(interruption: StopSignal) async -> RunFinished {
        loopLagMonitor?.start()
        let selection = options.selection ?? .all(pipeline)
        var plan = Plan(pipeline: pipeline, policy: options.policy, choices: selection.choices)
        /// The stop signal of each running step, by index.
        var stopSignals = [StopSignal?](repeating: nil, count: pipeline.steps.count)
        /// Which steps have an `if:` or fill in `${{ }}`, worked out once.
        let usesExpressions = pipeline.steps.map(\.usesExpressions)
        /// What expressions see of the steps that have finished or been
        /// skipped; kept only when some step reads it.
        var finishedSteps: [StepID: ExpressionContext.StepState] = [:]
        let keepsFinishedSteps = usesExpressions.contains(true)
        if keepsFinishedSteps { finishedSteps.reserveCapacity(pipeline.steps.count) }
        func noteFinished(_ index: Int, _ state: ExpressionContext.StepState) {
            if keepsFinishedSteps { finishedSteps[pipeline.steps[index].id] = state }
        }
        /// The steps with `continue-on-error`, for the conclusions of needs (few or none).
        let continuingOnError = Set(pipeline.steps.lazy.filter(\.continueOnError).map(\.id))
        var interrupted = false
        var stopReason: String?
        var counts = (succeeded: 0, failed: 0, cancelled: 0, skipped: 0, reused: 0, upToDate: 0, restored: 0)

        await withTaskGroup(of: Completion.self) { group in
            group.addTask {
                _ = await interruption.wait()
                return .interrupted
            }
            if let timeout = options.timeout ?? pipeline.timeout {
                let eventLoop = eventLoop
                group.addTask {
                    (try? await eventLoop.sleep(for: timeout)) == nil ? .watcherEnded : .timedOut(timeout)
                }
            }
            func apply(_ decision: Plan.Decision) {
                for (step, reason) in decision.skipped {
                    counts.skipped += 1
                    noteFinished(step, .init(status: .skipped, outputs: [:]))
                    emit(.stepSkipped(StepSkipped(step: pipeline.steps[step].id, reason: reason.description)), step: step)
                }
                for step in decision.ready { emit(.stepQueued(StepQueued(step: pipeline.steps[step].id)), step: step) }
                if decision.cancelRunning {
                    for case let signal? in stopSignals { signal.fire(.cancelled) }
                }
            }

            /// Records a step that ended without running its kind: its `if:` was
            /// false, or its values could not be filled in.
            func finishWithoutRunning(_ index: Int, _ result: StepResult, skipReason: String? = nil) {
                let id = pipeline.steps[index].id
                noteFinished(index, .init(status: result.status, outputs: [:]))
                if let skipReason {
                    counts.skipped += 1
                    emit(.stepSkipped(StepSkipped(step: id, reason: skipReason)), step: index)
                } else {
                    counts.failed += 1
                    emit(.stepStarted(StepStarted(step: id, attempt: 1, lane: "loop")), step: index)
                    emit(.stepFinished(StepFinished(
                        step: id, attempt: 1, lane: "loop", status: result.status, exitCode: nil,
                        error: result.error, details: nil, outputs: nil)), step: index)
                }
                apply(plan.finish(index, result.status))
            }

            // Reused steps first: their outputs are there before anything runs.
            for (index, choice) in selection.choices.enumerated() where choice == .reuse {
                let id = pipeline.steps[index].id
                let reused = selection.reused[id] ?? ReusedStep(fromRun: selection.resumedFrom ?? "", outputs: [:])
                counts.reused += 1
                noteFinished(index, .init(status: .success, outputs: reused.outputs))
                emit(.stepReused(StepReused(step: id, fromRun: reused.fromRun, outputs: reused.outputs.isEmpty ? nil : reused.outputs)), step: index)
            }
            apply(plan.begin())

            func startReadySteps() {
                while let index = plan.nextStep() {
                    let step = pipeline.steps[index]
                    var prepared = step
                    if usesExpressions[index] {
                        let evaluator = ExpressionEvaluator(context: expressionContext(
                            for: step, finishedSteps, continuingOnError: continuingOnError, isStopping: plan.isStopping))
                        if let condition = step.condition {
                            do {
                                guard ExpressionEvaluator.isTruthy(try evaluator.evaluate(condition.expression)) else {
                                    finishWithoutRunning(index, StepResult(status: .skipped), skipReason: "`if: \(condition.text)` was false")
                                    continue
                                }
                            } catch {
                                finishWithoutRunning(index, StepResult(status: .failure, error: "`if: \(condition.text)`: \(error.description)"))
                                continue
                            }
                        }
                        do {
                            prepared = try StepPreparation.prepare(step, with: evaluator)
                        } catch {
                            finishWithoutRunning(index, StepResult(status: .failure, error: error.message))
                            continue
                        }
                    }
                    let signal = StopSignal()
                    stopSignals[index] = signal
                    let started = StepStarted(step: step.id, attempt: 1, lane: startLane(of: step))
                    guard let incremental, incremental.covers(step) else {
                        emit(.stepStarted(started), step: index)
                        group.addTask(executorPreference: stepExecutor(for: step.id)) { [self] in
                            .step(index, await runAttempts(of: prepared, stopSignal: signal))
                        }
                        continue
                    }
                    group.addTask(executorPreference: stepExecutor(for: step.id)) { [self] in
                        .step(index, await incremental.run(step, resolved: prepared, emit: { [self] in emit($0) }) { conditionalRequest in
                            emit(.stepStarted(started), step: index)
                            return await runAttempts(of: prepared, stopSignal: signal, conditionalRequest: conditionalRequest)
                        })
                    }
                }
            }

            startReadySteps()
            while !plan.isComplete, let completion = await group.next() {
                switch completion {
                case .interrupted:
                    interrupted = true
                    apply(plan.interrupt())
                case .timedOut(let limit):
                    stopReason = "the pipeline's timeout of \(limit.compactDescription) was reached"
                    for case let signal? in stopSignals { signal.fire(.pipelineTimeout(limit)) }
                    apply(plan.interrupt(reason: .pipelineTimeout(limit)))
                case .watcherEnded:
                    continue
                case .step(let index, let result):
                    stopSignals[index] = nil
                    noteFinished(index, .init(status: result.status, outputs: result.outputs))
                    if let checked = result.checked {
                        // Up to date or restored: its `step-checked` event ended it.
                        if checked == .restored { counts.restored += 1 } else { counts.upToDate += 1 }
                        if result.checkedAfterStarting {
                            // It started (an http step asked its server, which said 304): its span ends here.
                            emit(.stepFinished(StepFinished(
                                step: pipeline.steps[index].id, attempt: result.attempt, lane: result.lane, status: result.status,
                                outputs: result.outputs.isEmpty ? nil : result.outputs)), step: index)
                        }
                        apply(plan.finish(index, result.status))
                        startReadySteps()
                        continue
                    }
                    switch result.status {
                    case .success: counts.succeeded += 1
                    case .failure: counts.failed += 1
                    case .cancelled: counts.cancelled += 1
                    case .skipped: counts.skipped += 1
                    }
                    emit(.stepFinished(StepFinished(
                        step: pipeline.steps[index].id, attempt: result.attempt, lane: result.lane, status: result.status,
                        exitCode: result.exitCode, error: result.error,
                        details: result.details.isEmpty ? nil : result.details,
                        outputs: result.outputs.isEmpty ? nil : result.outputs)), step: index)
                    apply(plan.finish(index, result.status))
                    startReadySteps()
                }
            }
            // Only the interruption watcher is left; end it.
            group.cancelAll()
        }

        let failedForReal = pipeline.steps.indices.contains { index in
            if case .finished(.failure) = plan.states[index] { return !pipeline.steps[index].continueOnError }
            return false
        }
        let status: RunFinished.Status =
            interrupted ? .interrupted : (failedForReal || counts.cancelled > 0 || stopReason != nil ? .failure : .success)
        loopLagMonitor?.stop()
        let finished = RunFinished(
            status: status, reason: interrupted ? "interrupted" : stopReason, succeeded: counts.succeeded, failed: counts.failed,
            cancelled: counts.cancelled, skipped: counts.skipped, reused: counts.reused > 0 ? counts.reused : nil,
            upToDate: counts.upToDate > 0 ? counts.upToDate : nil, restored: counts.restored > 0 ? counts.restored : nil)
        emit(.runFinished(finished))
        return finished
    }

    /// Runs a step's attempts: again after a failure its `retry:` covers, with
    /// the policy's delay between, until one succeeds, the attempts run out, or
    /// the run stops. Every attempt but the last is recorded here; the last is
    /// the step's result.
    ///
    /// Every step's task runs this, and an async function's frame holds what
    /// any of its paths keeps across an await: the retry path (events, the
    /// delay, messages) lives in functions of its own, so that the frames of a
    /// step's task fit the task allocator's first slab.
    private func runAttempts(of step: Step, stopSignal: StopSignal, conditionalRequest: HTTPConditionalRequest? = nil) async -> StepResult {
        let first = await runAttempt(1, of: step, stopSignal: stopSignal, conditionalRequest: conditionalRequest)
        guard first.status == .failure else { return first }
        return await retryAttempts(of: step, after: first, stopSignal: stopSignal, conditionalRequest: conditionalRequest)
    }

    /// The attempts after a failed first one, as its `retry:` says (none
    /// without one).
    @inline(never)
    private func retryAttempts(
        of step: Step, after first: StepResult, stopSignal: StopSignal, conditionalRequest: HTTPConditionalRequest?
    ) async -> StepResult {
        var result = first
        while true {
            guard let delay = Self.retryDelay(of: step, after: &result, stopSignal: stopSignal) else { return result }
            guard await retry(step, after: result, delay: delay, unless: stopSignal) else {
                Self.noteRunStopped(after: result.attempt, in: &result)
                return result
            }
            result = await runAttempt(result.attempt + 1, of: step, stopSignal: stopSignal, conditionalRequest: conditionalRequest)
        }
    }

    /// The delay before retrying `result`, a finished attempt of `step`; nil
    /// when it is the step's result (it passed, or its `retry:` does not
    /// cover it, or the attempts ran out, or the run stopped), in which case a
    /// failure after several attempts says how many.
    @inline(never)
    private static func retryDelay(of step: Step, after result: inout StepResult, stopSignal: StopSignal) -> Duration? {
        guard result.status == .failure, let policy = step.retry else { return nil }
        guard result.attempt < policy.attempts, !stopSignal.isFired,
            policy.retries(code: result.code, timedOut: result.timedOut, workerCrashed: result.workerCrashed)
        else {
            if result.attempt > 1 {
                result.error = (result.error ?? "failed") + " (after \(result.attempt) attempts)"
            }
            return nil
        }
        return policy.delay(before: result.attempt + 1)
    }

    /// One attempt, numbered. Like the attempt's own functions, it runs on
    /// its caller's executor (`nonisolated(nonsending)`): the step's task is
    /// on the loop already, and a call that hopped would ask the runtime for
    /// the task's executor, under a lock, on the way in and out.
    @inline(never)
    nonisolated(nonsending) private func runAttempt(
        _ attempt: Int, of step: Step, stopSignal: StopSignal, conditionalRequest: HTTPConditionalRequest?
    ) async -> StepResult {
        let context = makeContext(for: step, attempt: attempt, conditionalRequest: conditionalRequest)
        var result = await StepAttempt(step: step, context: context, stopSignal: stopSignal).run()
        result.attempt = attempt
        return result
    }

    /// Records a failed attempt that is retried after `delay`, waits, and
    /// starts the next; false (and nothing started) if the run stops first.
    @inline(never)
    private func retry(_ step: Step, after failed: StepResult, delay: Duration, unless stopSignal: StopSignal) async -> Bool {
        emit(.stepFinished(StepFinished(
            step: step.id, attempt: failed.attempt, lane: failed.lane, status: .failure, exitCode: failed.exitCode,
            error: failed.error, details: failed.details.isEmpty ? nil : failed.details,
            outputs: failed.outputs.isEmpty ? nil : failed.outputs, retryDelay: delay.microseconds)))
        guard await wait(delay, unless: stopSignal) else { return false }
        emit(.stepStarted(StepStarted(step: step.id, attempt: failed.attempt + 1, lane: startLane(of: step))))
        return true
    }

    @inline(never)
    private static func noteRunStopped(after attempts: Int, in result: inout StepResult) {
        result.error = (result.error ?? "failed")
            + " (after \(attempts) attempt\(attempts == 1 ? "" : "s"); the run stopped before the next)"
    }

    /// Waits `delay` on the loop's timer; false if the stop signal fires first.
    private func wait(_ delay: Duration, unless stopSignal: StopSignal) async -> Bool {
        let eventLoop = eventLoop
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask { (try? await eventLoop.sleep(for: delay)) != nil }
            group.addTask { _ = await stopSignal.wait(); return false }
            let first = await group.next() ?? false
            group.cancelAll()
            return first && !stopSignal.isFired
        }
    }

    /// What a step's expressions may read: the environment, the parameters,
    /// the steps that have finished, and the conclusions of its own needs (a
    /// failure with `continue-on-error` concludes as a success).
    private func expressionContext(
        for step: Step, _ finished: [StepID: ExpressionContext.StepState], continuingOnError: Set<StepID>, isStopping: Bool
    ) -> ExpressionContext {
        let environment = inheritedEnvironment
            .merging(pipeline.environment) { _, pipelineValue in pipelineValue }
            .merging(step.environment.filter { !Template.containsExpression($0.value) }) { _, stepValue in stepValue }
        let needStatuses = step.needs.map { need -> StepStatus in
            let status = finished[need.id]?.status ?? .skipped
            return status == .failure && continuingOnError.contains(need.id) ? .success : status
        }
        return ExpressionContext(
            environment: environment, parameters: pipeline.parameters, steps: finished,
            needStatuses: needStatuses, isStopping: isStopping)
    }

    /// The loop's executor for one step's task: it times the step's jobs, so a
    /// step that blocks the loop is named in a `loop-stall` event.
    private func stepExecutor(for step: StepID) -> EventLoopTaskExecutor {
        guard let loopLagMonitor else { return EventLoopTaskExecutor(eventLoop: eventLoop) }
        return EventLoopTaskExecutor(eventLoop: eventLoop, step: step, monitor: loopLagMonitor)
    }

    @inline(never)
    private func makeContext(for step: Step, attempt: Int = 1, conditionalRequest: HTTPConditionalRequest? = nil) -> StepContext {
        let environment = pipeline.environment.merging(step.environment) { _, stepValue in stepValue }
        let base = StepContext.resolve(step.workingDirectory ?? "", against: pipelineDirectory)
        return StepContext(
            stepID: step.id, attempt: attempt, workingDirectory: base, environment: environment, services: stepServices,
            timeout: step.timeout, executor: step.executor.flatMap { pipeline.executors[$0.name] }, conditionalRequest: conditionalRequest)
    }

    /// Where a step is as it starts: `worker` (a CPU step, until it has
    /// one), `slurm` (a shell step on Slurm: queued there until its node says
    /// the command started, a `step-running` event), or `loop`.
    private func startLane(of step: Step) -> String {
        if step.runsInWorker { return "worker" }
        if let name = step.executor?.name, case .slurm = pipeline.executors[name]?.kind { return "slurm" }
        return "loop"
    }

    /// `step`: the index in the pipeline's steps of the step the event is
    /// about, when known (see ``TimelineEvent/stepIndex``).
    private func emit(_ payload: TimelineEvent.Payload, step: Int? = nil) {
        Self.emit(payload, step: step, at: clock, to: observers)
    }

    private static func emit(_ payload: TimelineEvent.Payload, step: Int?, at clock: RunClock, to observers: [any RunObserver]) {
        let event = TimelineEvent(time: clock.microsecondsSinceStart(), payload, stepIndex: step)
        for observer in observers { observer.observe(event) }
    }
}
