import DequeModule
import HeapModule

/// The scheduler's decisions, as a synchronous state machine: which steps are
/// ready, which may start within `limits.io` and their pools, and what a
/// failure does to the rest. It runs nothing and reads no clock, so tests drive
/// it step by step.
///
/// Steps are numbered by file order. Each is in one state:
///
///     waiting ──(all needs satisfied)──> ready ──(capacity)──> running ──> finished
///        └──────────(a need failed, fail-fast, interrupt)──────────────> skipped
///
/// Before anything starts, the run's ``StepChoice``s set some steps aside:
/// a reused step (it succeeded in the run being resumed) is `reused` from the
/// start and satisfies its dependents as a success does; a step left out (not
/// selected, `--skip`) is skipped from the start, and so are the steps that
/// need it, as after any skipped need.
///
/// Invariants: a step is ready only when every need is finished and satisfied
/// (succeeded, or failed with `continue-on-error`), except a step that runs
/// after failures (`if: always()`, `failure()`, `cancelled()`), which is ready
/// once every need has finished or been skipped, and which neither fail-fast
/// nor an interrupt skips; ready steps start in file order among those whose
/// pool has room; at most `ioLimit` I/O steps and `workerLimit` CPU steps run
/// at once (a CPU step that waits for a worker is queued, not running), and at
/// most a pool's limit of its members.
package struct Plan: Sendable {
    package enum State: Sendable, Hashable {
        case waiting(unfinishedNeeds: Int)
        case ready
        case running
        case finished(StepStatus)
        case skipped(SkipReason)
        /// Succeeded in an earlier run; its outputs stand in for a run.
        case reused
    }

    /// What the scheduler must do after a step finished.
    package struct Decision: Sendable, Hashable {
        /// Steps that became ready (to record as queued).
        package var ready: [Int] = []
        /// Steps that will never run, with why.
        package var skipped: [(step: Int, reason: SkipReason)] = []
        /// Whether the running steps must be cancelled (fail-fast or interrupt).
        package var cancelRunning = false

        package static func == (lhs: Decision, rhs: Decision) -> Bool {
            lhs.ready == rhs.ready && lhs.cancelRunning == rhs.cancelRunning
                && lhs.skipped.map(\.step) == rhs.skipped.map(\.step)
                && lhs.skipped.map(\.reason) == rhs.skipped.map(\.reason)
        }
        package func hash(into hasher: inout Hasher) {
            hasher.combine(ready)
            hasher.combine(skipped.map(\.step))
        }
    }

    package let ids: [StepID]
    /// Who needs whom, by index; built once and read by every decision.
    private let graph: StepGraph
    private var dependencies: [[Int]] { graph.dependencies }
    private var dependents: [[Int]] { graph.dependents }
    private let continueOnError: [Bool]
    private let runsAfterFailures: [Bool]
    /// Pool slot of each step; slot 0 is "no pool" and has no limit of its own.
    private let poolOfStep: [Int]
    private let poolLimits: [Int]
    private let ioLimit: Int
    private let workerLimit: Int
    /// Whether each step runs in a worker (a CPU step) rather than on the loop.
    private let runsInWorker: [Bool]
    private var runningIO = 0
    private var runningCPU = 0
    private let policy: FailurePolicy
    /// What the run does with each step before anything starts.
    package let choices: [StepChoice]

    package private(set) var states: [State]
    /// Ready steps of each pool slot, lowest file index first.
    private var readyByPool: [Heap<Int>]
    private var runningByPool: [Int]
    package private(set) var runningCount = 0
    private var unfinishedCount: Int
    /// Set once fail-fast or an interrupt stopped the run: nothing new starts.
    package private(set) var isStopping = false

    package init(pipeline: Pipeline, policy: FailurePolicy, choices: [StepChoice]? = nil) {
        let poolNames = pipeline.limits.pools.keys.sorted()
        let slotOfPool = Dictionary(uniqueKeysWithValues: poolNames.enumerated().map { ($1, $0 + 1) })
        self.init(
            ids: pipeline.steps.map(\.id),
            graph: StepGraph(steps: pipeline.steps),
            continueOnError: pipeline.steps.map(\.continueOnError),
            runsAfterFailures: pipeline.steps.map { $0.condition?.runsAfterFailures ?? false },
            poolOfStep: pipeline.steps.map { step in step.pool.flatMap { slotOfPool[$0] } ?? 0 },
            poolLimits: [Int.max] + poolNames.map { pipeline.limits.pools[$0] ?? Int.max },
            ioLimit: pipeline.limits.io,
            workerLimit: pipeline.limits.workers ?? Limits.defaultWorkers,
            runsInWorker: pipeline.steps.map(\.runsInWorker),
            policy: policy, choices: choices)
    }

    /// The general form, for tests: `dependencies[i]` are the steps `i` needs.
    package init(
        ids: [StepID], dependencies: [[Int]], continueOnError: [Bool], runsAfterFailures: [Bool]? = nil,
        poolOfStep: [Int], poolLimits: [Int], ioLimit: Int, workerLimit: Int = 1, runsInWorker: [Bool]? = nil,
        policy: FailurePolicy, choices: [StepChoice]? = nil
    ) {
        self.init(
            ids: ids, graph: StepGraph(dependencies: dependencies), continueOnError: continueOnError,
            runsAfterFailures: runsAfterFailures, poolOfStep: poolOfStep, poolLimits: poolLimits, ioLimit: ioLimit,
            workerLimit: workerLimit, runsInWorker: runsInWorker, policy: policy, choices: choices)
    }

    private init(
        ids: [StepID], graph: StepGraph, continueOnError: [Bool], runsAfterFailures: [Bool]?,
        poolOfStep: [Int], poolLimits: [Int], ioLimit: Int, workerLimit: Int, runsInWorker: [Bool]?,
        policy: FailurePolicy, choices: [StepChoice]?
    ) {
        self.choices = choices ?? Array(repeating: .run, count: ids.count)
        precondition(self.choices.count == ids.count, "one choice per step")
        self.workerLimit = max(1, workerLimit)
        self.runsInWorker = runsInWorker ?? Array(repeating: false, count: ids.count)
        self.runsAfterFailures = runsAfterFailures ?? Array(repeating: false, count: ids.count)
        self.ids = ids
        self.graph = graph
        self.continueOnError = continueOnError
        self.poolOfStep = poolOfStep
        self.poolLimits = poolLimits
        self.ioLimit = max(1, ioLimit)
        self.policy = policy
        self.states = graph.dependencies.map { .waiting(unfinishedNeeds: $0.count) }
        // Two heaps per pool: its I/O steps, then its CPU steps, so a CPU step
        // waiting for a worker never holds back an I/O step behind it.
        self.readyByPool = Array(repeating: Heap<Int>(), count: poolLimits.count * 2)
        self.runningByPool = Array(repeating: 0, count: poolLimits.count)
        self.unfinishedCount = ids.count
    }

    /// Applies the run's choices, then marks ready the steps whose needs are
    /// all met; call once, before anything else. The decision lists the ready
    /// steps in file order, and the skipped ones (left out, or needing a step
    /// that will not run) in an order where every step comes after its needs.
    package mutating func begin() -> Decision {
        var decision = Decision()
        if choices.allSatisfy({ $0 == .run }) {
            // Nothing is reused or left out, so each step waits for all its
            // needs, as it was made to: only the steps without needs change.
            for step in states.indices where dependencies[step].isEmpty {
                makeReady(step)
                decision.ready.append(step)
            }
            return decision
        }
        for step in graph.topologicalOrder() {
            switch choices[step] {
            case .reuse:
                states[step] = .reused
                unfinishedCount -= 1
            case .leaveOut(let reason):
                skip(step, reason, into: &decision)
            case .run:
                var unfinished = 0
                var unmet: Int?
                for need in dependencies[step] {
                    switch states[need] {
                    case .reused: continue
                    case .skipped: if !runsAfterFailures[step], unmet == nil { unmet = need }
                    default: unfinished += 1
                    }
                }
                if let unmet {
                    skip(step, .needNotSatisfied(ids[unmet]), into: &decision)
                } else if unfinished == 0 {
                    makeReady(step)
                    decision.ready.append(step)
                } else {
                    states[step] = .waiting(unfinishedNeeds: unfinished)
                }
            }
        }
        decision.ready.sort()
        return decision
    }

    /// True when every step has finished or been skipped.
    package var isComplete: Bool { unfinishedCount == 0 }

    /// Takes the next step to start, if one is ready and has room: the lowest
    /// file index among the pools with room. Marks it running.
    /// After fail-fast or an interrupt, only steps that run after failures
    /// are still queued.
    package mutating func nextStep() -> Int? {
        var chosen: (heap: Int, step: Int)?
        for heap in readyByPool.indices where runningByPool[heap / 2] < poolLimits[heap / 2] {
            let isCPU = heap % 2 == 1
            guard isCPU ? runningCPU < workerLimit : runningIO < ioLimit else { continue }
            if let step = readyByPool[heap].min, step < (chosen?.step ?? .max) {
                chosen = (heap, step)
            }
        }
        guard let chosen else { return nil }
        _ = readyByPool[chosen.heap].popMin()
        runningByPool[chosen.heap / 2] += 1
        if runsInWorker[chosen.step] { runningCPU += 1 } else { runningIO += 1 }
        runningCount += 1
        states[chosen.step] = .running
        return chosen.step
    }

    /// Records that a running step ended with `status`, and decides what follows.
    package mutating func finish(_ step: Int, _ status: StepStatus) -> Decision {
        precondition(states[step] == .running, "step \(ids[step]) finished but was not running")
        states[step] = .finished(status)
        runningByPool[poolOfStep[step]] -= 1
        if runsInWorker[step] { runningCPU -= 1 } else { runningIO -= 1 }
        runningCount -= 1
        unfinishedCount -= 1

        var decision = Decision()
        let satisfied = status == .success || (status == .failure && continueOnError[step])
        for dependent in dependents[step] {
            if satisfied || runsAfterFailures[dependent] {
                needFinished(for: dependent, into: &decision)
            } else if case .waiting = states[dependent] {
                skip(dependent, .needNotSatisfied(ids[step]), into: &decision)
                skipDependents(of: dependent, into: &decision)
            }
        }
        if status == .failure, !continueOnError[step], policy == .failFast, !isStopping {
            stop(reason: .failFast(after: ids[step]), into: &decision)
        }
        return decision
    }

    /// One need of `step` has finished in a way that lets it go on.
    private mutating func needFinished(for step: Int, into decision: inout Decision) {
        guard case .waiting(let unfinished) = states[step] else { return }
        if unfinished == 1 {
            makeReady(step)
            decision.ready.append(step)
        } else {
            states[step] = .waiting(unfinishedNeeds: unfinished - 1)
        }
    }

    /// Stops the run after an interrupt: nothing new starts, every step not yet
    /// started is skipped, and the running ones must be cancelled.
    package mutating func interrupt(reason: SkipReason = .interrupted) -> Decision {
        var decision = Decision()
        if !isStopping { stop(reason: reason, into: &decision) }
        return decision
    }

    private mutating func stop(reason: SkipReason, into decision: inout Decision) {
        isStopping = true
        decision.cancelRunning = runningCount > 0
        for step in states.indices where !runsAfterFailures[step] {
            switch states[step] {
            case .waiting, .ready: skip(step, reason, into: &decision)
            default: continue
            }
        }
        // A step that runs after failures now waits only for needs still running
        // (or themselves waiting to run after failures).
        for step in states.indices where runsAfterFailures[step] {
            guard case .waiting = states[step] else { continue }
            let unfinished = dependencies[step].filter { need in
                switch states[need] {
                case .finished, .skipped, .reused: return false
                default: return true
                }
            }.count
            if unfinished == 0 {
                makeReady(step)
                decision.ready.append(step)
            } else {
                states[step] = .waiting(unfinishedNeeds: unfinished)
            }
        }
        readyByPool = readyByPool.map { heap in Heap(heap.unordered.filter { runsAfterFailures[$0] }) }
    }

    /// Skips every step that (transitively) needs the skipped `origin`, except
    /// steps that run after failures, which count the need as finished.
    /// Iterative, so that long chains do not grow the stack.
    private mutating func skipDependents(of origin: Int, into decision: inout Decision) {
        var pending = Deque(dependents[origin].map { ($0, origin) })
        while let (step, cause) = pending.popFirst() {
            if runsAfterFailures[step] {
                needFinished(for: step, into: &decision)
                continue
            }
            guard case .waiting = states[step] else { continue }
            skip(step, .needNotSatisfied(ids[cause]), into: &decision)
            pending.append(contentsOf: dependents[step].map { ($0, step) })
        }
    }

    private mutating func skip(_ step: Int, _ reason: SkipReason, into decision: inout Decision) {
        states[step] = .skipped(reason)
        unfinishedCount -= 1
        decision.skipped.append((step, reason))
    }

    private mutating func makeReady(_ step: Int) {
        states[step] = .ready
        readyByPool[poolOfStep[step] * 2 + (runsInWorker[step] ? 1 : 0)].insert(step)
    }
}
