import Testing
@testable import Taskloop

/// The scheduler's state machine, driven by hand: no processes, no clocks.
@Suite struct PlanTests {
    /// a, b independent; c needs a and b; d needs c.
    func diamond(policy: FailurePolicy = .failFast, ioLimit: Int = 10, continueOnError: [Bool] = [false, false, false, false]) -> Plan {
        Plan(
            ids: ["a", "b", "c", "d"], dependencies: [[], [], [0, 1], [2]], continueOnError: continueOnError,
            poolOfStep: [0, 0, 0, 0], poolLimits: [Int.max], ioLimit: ioLimit, policy: policy)
    }

    func drain(_ plan: inout Plan) -> [Int] {
        var started: [Int] = []
        while let step = plan.nextStep() { started.append(step) }
        return started
    }

    @Test func stepsStartWhenAllNeedsSucceededInFileOrder() {
        var plan = diamond()
        #expect(plan.begin().ready == [0, 1])
        #expect(drain(&plan) == [0, 1])
        #expect(plan.finish(1, .success).ready == [])
        #expect(drain(&plan) == [])
        #expect(plan.finish(0, .success).ready == [2])
        #expect(drain(&plan) == [2])
        #expect(plan.finish(2, .success).ready == [3])
        #expect(drain(&plan) == [3])
        #expect(!plan.isComplete)
        _ = plan.finish(3, .success)
        #expect(plan.isComplete)
    }

    @Test func ioLimitCapsRunningSteps() {
        var plan = Plan(
            ids: ["a", "b", "c"], dependencies: [[], [], []], continueOnError: [false, false, false],
            poolOfStep: [0, 0, 0], poolLimits: [Int.max], ioLimit: 2, policy: .failFast)
        _ = plan.begin()
        #expect(drain(&plan) == [0, 1])
        _ = plan.finish(1, .success)
        #expect(drain(&plan) == [2])
    }

    @Test func poolLimitHoldsBackOnlyItsMembers() {
        // a, b, c in pool 1 (limit 1); d has no pool.
        var plan = Plan(
            ids: ["a", "b", "c", "d"], dependencies: [[], [], [], []], continueOnError: [false, false, false, false],
            poolOfStep: [1, 1, 1, 0], poolLimits: [Int.max, 1], ioLimit: 10, policy: .failFast)
        _ = plan.begin()
        #expect(drain(&plan) == [0, 3])
        _ = plan.finish(0, .success)
        #expect(drain(&plan) == [1])
        _ = plan.finish(1, .success)
        #expect(drain(&plan) == [2])
    }

    @Test func failFastSkipsEverythingNotStartedAndCancelsRunning() {
        var plan = diamond()
        _ = plan.begin()
        _ = drain(&plan)
        let decision = plan.finish(0, .failure)
        #expect(decision.cancelRunning)
        #expect(decision.skipped.map(\.step) == [2, 3])
        #expect(decision.skipped.first?.reason == .needNotSatisfied("a"))
        #expect(plan.nextStep() == nil)
        _ = plan.finish(1, .cancelled)
        #expect(plan.isComplete)
        #expect(plan.states[1] == .finished(.cancelled))
    }

    @Test func failFastSkipsIndependentWaitingStepsWithItsReason() {
        // a fails; b is independent but waits on c (still running).
        var plan = Plan(
            ids: ["a", "c", "b"], dependencies: [[], [], [1]], continueOnError: [false, false, false],
            poolOfStep: [0, 0, 0], poolLimits: [Int.max], ioLimit: 10, policy: .failFast)
        _ = plan.begin()
        _ = drain(&plan)
        let decision = plan.finish(0, .failure)
        #expect(decision.skipped.map(\.step) == [2])
        #expect(decision.skipped.first?.reason == .failFast(after: "a"))
    }

    @Test func keepGoingRunsWhatDoesNotDependOnTheFailure() {
        // a fails; b succeeds; c needs a and b (skipped); d needs c (skipped); e needs b (runs).
        var plan = Plan(
            ids: ["a", "b", "c", "d", "e"], dependencies: [[], [], [0, 1], [2], [1]],
            continueOnError: [false, false, false, false, false],
            poolOfStep: [0, 0, 0, 0, 0], poolLimits: [Int.max], ioLimit: 10, policy: .keepGoing)
        _ = plan.begin()
        _ = drain(&plan)
        let failed = plan.finish(0, .failure)
        #expect(!failed.cancelRunning)
        #expect(failed.skipped.map(\.step) == [2, 3])
        #expect(failed.skipped.map(\.reason) == [.needNotSatisfied("a"), .needNotSatisfied("c")])
        #expect(plan.finish(1, .success).ready == [4])
        #expect(drain(&plan) == [4])
        _ = plan.finish(4, .success)
        #expect(plan.isComplete)
    }

    @Test func continueOnErrorLetsDependentsRunAndDoesNotStopTheRun() {
        var plan = diamond(continueOnError: [true, false, false, false])
        _ = plan.begin()
        _ = drain(&plan)
        let decision = plan.finish(0, .failure)
        #expect(!decision.cancelRunning)
        #expect(decision.skipped.isEmpty)
        #expect(plan.finish(1, .success).ready == [2])
    }

    @Test func interruptSkipsWaitingAndCancelsRunning() {
        var plan = diamond()
        _ = plan.begin()
        _ = drain(&plan)
        let decision = plan.interrupt()
        #expect(decision.cancelRunning)
        #expect(decision.skipped.map(\.step) == [2, 3])
        #expect(decision.skipped.allSatisfy { $0.reason == .interrupted })
        #expect(plan.interrupt().skipped.isEmpty)
        _ = plan.finish(0, .cancelled)
        _ = plan.finish(1, .cancelled)
        #expect(plan.isComplete)
    }

    @Test func aLongChainIsSkippedWithoutRecursion() {
        let count = 100_000
        var plan = Plan(
            ids: (0..<count).map { StepID("s\($0)") }, dependencies: [[]] + (1..<count).map { [$0 - 1] },
            continueOnError: Array(repeating: false, count: count), poolOfStep: Array(repeating: 0, count: count),
            poolLimits: [Int.max], ioLimit: 10, policy: .keepGoing)
        _ = plan.begin()
        _ = drain(&plan)
        #expect(plan.finish(0, .failure).skipped.count == count - 1)
        #expect(plan.isComplete)
    }

    // MARK: Choices made before the run: reused, not selected, skipped

    func diamond(choices: [StepChoice], runsAfterFailures: [Bool]? = nil) -> Plan {
        Plan(
            ids: ["a", "b", "c", "d"], dependencies: [[], [], [0, 1], [2]], continueOnError: [false, false, false, false],
            runsAfterFailures: runsAfterFailures, poolOfStep: [0, 0, 0, 0], poolLimits: [Int.max], ioLimit: 10,
            policy: .failFast, choices: choices)
    }

    @Test func reusedStepsSatisfyTheirDependentsWithoutRunning() {
        var plan = diamond(choices: [.reuse, .reuse, .run, .run])
        let begun = plan.begin()
        #expect(begun.ready == [2])
        #expect(begun.skipped.isEmpty)
        #expect(plan.states[0] == .reused && plan.states[1] == .reused)
        #expect(drain(&plan) == [2])
        #expect(plan.finish(2, .success).ready == [3])
        #expect(drain(&plan) == [3])
        _ = plan.finish(3, .success)
        #expect(plan.isComplete)
    }

    @Test func aStepWaitsOnlyForItsNeedsThatAreNotReused() {
        var plan = diamond(choices: [.reuse, .run, .run, .run])
        #expect(plan.begin().ready == [1])
        #expect(plan.states[2] == .waiting(unfinishedNeeds: 1))
        _ = drain(&plan)
        #expect(plan.finish(1, .success).ready == [2])
    }

    @Test func stepsNotSelectedAreSkippedWithTheirReasonAndNothingElseChanges() {
        // Selecting c: a and b run, d is not selected.
        var plan = diamond(choices: [.run, .run, .run, .leaveOut(.notSelected)])
        let begun = plan.begin()
        #expect(begun.ready == [0, 1])
        #expect(begun.skipped.map(\.step) == [3])
        #expect(begun.skipped.map(\.reason) == [.notSelected])
        _ = drain(&plan)
        _ = plan.finish(0, .success)
        #expect(plan.finish(1, .success).ready == [2])
        _ = drain(&plan)
        _ = plan.finish(2, .success)
        #expect(plan.isComplete)
        #expect(plan.states[3] == .skipped(.notSelected))
    }

    @Test func aSkippedStepSkipsItsDependentsWithTheUsualReasonChain() {
        var plan = diamond(choices: [.leaveOut(.skippedByOption), .run, .run, .run])
        let begun = plan.begin()
        #expect(begun.ready == [1])
        #expect(begun.skipped.map(\.step) == [0, 2, 3])
        #expect(begun.skipped.map(\.reason) == [.skippedByOption, .needNotSatisfied("a"), .needNotSatisfied("c")])
        _ = drain(&plan)
        _ = plan.finish(1, .success)
        #expect(plan.isComplete)
    }

    @Test func aStepThatRunsAfterFailuresStillRunsWhenItsNeedIsSkipped() {
        // d is `if: always()`; c is skipped by --skip.
        var plan = diamond(choices: [.run, .run, .leaveOut(.skippedByOption), .run], runsAfterFailures: [false, false, false, true])
        let begun = plan.begin()
        #expect(begun.ready == [0, 1, 3])
        #expect(begun.skipped.map(\.step) == [2])
    }

    @Test func everyStepReusedLeavesTheRunComplete() {
        var plan = diamond(choices: [.reuse, .reuse, .reuse, .reuse])
        let begun = plan.begin()
        #expect(begun.ready.isEmpty && begun.skipped.isEmpty)
        #expect(plan.isComplete)
        #expect(plan.nextStep() == nil)
    }

    @Test func anInterruptDoesNotTouchReusedSteps() {
        var plan = diamond(choices: [.reuse, .run, .run, .run])
        _ = plan.begin()
        _ = drain(&plan)
        let decision = plan.interrupt()
        #expect(decision.skipped.map(\.step) == [2, 3])
        #expect(plan.states[0] == .reused)
    }
}
