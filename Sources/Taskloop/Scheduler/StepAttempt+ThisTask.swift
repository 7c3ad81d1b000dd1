import Synchronization

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
    func runInThisTask() async -> StepResult {
        let stopper = TaskStopper()
        withUnsafeCurrentTask { task in stopper.arm(task) }
        let registration = stopSignal.whenFired { reason in stopper.stop(reason) }
        let outcome: Result<StepOutputs, any Error>
        do {
            outcome = .success(try await step.action.run(in: context))
        } catch {
            outcome = .failure(error)
        }
        if let registration { stopSignal.removeHandler(registration) }
        let reason = stopper.disarm()
        switch (outcome, reason) {
        case (.failure(let error), .some(let reason)):
            return Self.stoppedResult(reason, failure: error as? StepFailure)
        default:
            return Self.result(of: outcome)
        }
    }
}

/// Cancels one task from any thread while the task runs an attempt.
private final class TaskStopper: Sendable {
    /// The task running the attempt.
    ///
    /// `@unchecked Sendable` because `UnsafeCurrentTask` is not: it is a
    /// reference that is valid only while its task runs. That holds here: the
    /// task itself arms the stopper and disarms it before the attempt
    /// returns, and ``TaskStopper/stop(_:)`` cancels only under the lock that
    /// disarming takes, and only while armed, so no cancel reaches a task that
    /// has moved on. Cancelling a running task from another thread is what
    /// `cancel()` is for.
    private struct RunningTask: @unchecked Sendable {
        let task: UnsafeCurrentTask
    }

    private struct State {
        var running: RunningTask?
        var reason: StopReason?
    }

    private let state = Mutex(State())

    init() {}

    func arm(_ task: UnsafeCurrentTask?) {
        let running = task.map(RunningTask.init)
        state.withLock { $0.running = running }
    }

    /// Records why and cancels the task, if it is still running the attempt.
    func stop(_ reason: StopReason) {
        state.withLock { state in
            guard let running = state.running else { return }
            if state.reason == nil { state.reason = reason }
            running.task.cancel()
        }
    }

    /// The attempt is over: no cancel reaches the task after this. Returns
    /// the reason it was stopped, if it was.
    func disarm() -> StopReason? {
        state.withLock { state in
            state.running = nil
            return state.reason
        }
    }
}
