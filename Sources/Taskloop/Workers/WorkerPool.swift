package import NIOCore

#if canImport(Glibc)
import Glibc
#endif

// How a CPU step travels to a worker and back:
//
//   event loop                                   worker processes (one core each)
//   ──────────                                   ────────────────────────────────
//   CPUStep.run ──execute(request)──> WorkerPool
//                                      │ takes an idle worker (the Plan starts at
//                                      │ most `limits.workers` CPU steps at once)
//                                      ▼
//                                WorkerSlot k ──frame──> stdin ──> `taskloop worker`
//                                      ▲                             runs the function
//   CPUStep.run <──outputs/error───────┴────frame──< stdout <──────┘
//
// Each slot is a child task that keeps one worker process alive: it starts
// it, reads its hello, then loops taking requests from its mailbox. When the
// process dies (a signal, an exit, a malformed frame), the request it was
// running fails with a message that says so, and the slot starts a
// replacement; the other slots and the run go on. A cancelled request (a
// step's timeout, fail-fast, Ctrl-C) kills its worker, which is then replaced.
// A worker must say hello within the start-up deadline: one that does not
// (a hung launch command, a `srun` that never gets its node) is killed and
// counts as a failed start. A step waiting for a worker still honours its
// timeout, fail-fast and Ctrl-C. At the end of the run the pool closes every
// worker's stdin (an idle worker exits on end-of-file; one that has not
// exited 2 s later is killed) and kills workers still starting. Every worker
// leads its own process group, known from its start to the guardian and to
// a second Ctrl-C, so no worker outlives taskloop, even after `kill -9`.

/// The pool of worker processes for a run's CPU steps. It lives on the run's
/// event loop (the actor's executor is the loop), so requests hop no threads.
package actor WorkerPool {
    private enum State {
        case running
        case shuttingDown
    }

    /// One request waiting for its reply.
    struct Job: Sendable {
        var request: WorkerRequest
        var reply: CheckedContinuation<WorkerReply, any Error>
    }

    /// A worker process that is ready for work.
    struct Worker: Sendable {
        var slot: Int
        var pid: pid_t
        var group: ProcessGroupHandle
        var mailbox: AsyncStream<Job>.Continuation
    }

    package nonisolated let eventLoop: any EventLoop
    package nonisolated var unownedExecutor: UnownedSerialExecutor { eventLoop.executor.asUnownedSerialExecutor() }

    let size: Int
    let launch: WorkerLaunch
    /// How long a new worker has to say hello.
    let startTimeout: Duration
    private var state = State.running
    private var idle: [Worker] = []
    private var busy: [Int: Worker] = [:]
    private let waitingForWorker = WaitingLine<Worker>()
    /// Workers started but not ready yet, by slot: killed at shutdown.
    private var starting: [Int: WorkerStartup] = [:]
    private var nextRequestID = 1
    /// The pid of the worker that last took a request, by slot: a worker
    /// not there yet has just said hello.
    private var lastServed: [Int: pid_t] = [:]
    /// Slots that gave up because their worker would not start, and why the last did.
    private var abandonedSlots = 0
    private var startProblem = ""

    package init(size: Int, launch: WorkerLaunch, eventLoop: any EventLoop, startTimeout: Duration = .seconds(30)) {
        self.size = max(1, size)
        self.launch = launch
        self.eventLoop = eventLoop
        self.startTimeout = startTimeout
    }

    /// Keeps `size` workers running until ``shutdown()``; run it as a child task.
    package func run() async {
        await withTaskGroup(of: Void.self) { group in
            for slot in 1...size {
                group.addTask { await WorkerSlot(number: slot, pool: self).run() }
            }
        }
    }

    /// Closes every worker's mailbox: each finishes its stdin and exits.
    package func shutdown() {
        state = .shuttingDown
        for worker in idle { worker.mailbox.finish() }
        idle.removeAll()
        for startup in starting.values { startup.abort("was still starting when the run ended") }
        starting.removeAll()
        waitingForWorker.close(failingWith: CancellationError())
    }

    var isShuttingDown: Bool { state == .shuttingDown }

    /// Runs `request` in a worker; `lane` learns which (`worker-2`).
    /// `startedOnSlurm` is told the lane when the request had to wait for a
    /// worker on Slurm that was still starting: its wait was its worker's
    /// job queued in Slurm (and the worker's own start), not its run.
    package func execute(
        _ request: WorkerRequest, lane: @Sendable (String) -> Void, startedOnSlurm: @Sendable (String) -> Void = { _ in }
    ) async throws -> StepOutputs {
        var request = request
        request.id = nextRequestID
        nextRequestID += 1
        let waited = idle.isEmpty
        let worker = try await takeWorker()
        if Task.isCancelled {
            ready(worker)
            throw CancellationError()
        }
        lane("worker-\(worker.slot)")
        let isNew = lastServed[worker.slot] != worker.pid
        lastServed[worker.slot] = worker.pid
        if waited, isNew, case .slurm = launch.executor?.kind { startedOnSlurm("worker-\(worker.slot)") }
        busy[worker.slot] = worker
        let reply: WorkerReply
        do {
            reply = try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    worker.mailbox.yield(Job(request: request, reply: continuation))
                }
            } onCancel: {
                // The step was cancelled mid-computation: end its worker's group
                // (the slot starts a new worker). Safe from any thread: it only
                // sends a signal. (`srun` gets SIGTERM, on which it ends its
                // Slurm job at once.)
                worker.group.signal(launch.executor == nil ? SIGKILL : SIGTERM)
            }
        } catch var failure as StepFailure where failure.isWorkerCrash {
            failure.message += await RemoteWorkers.ending(pid: worker.pid, launch: launch)
            throw failure
        }
        if launch.executor != nil { lane(await RemoteWorkers.lane(slot: worker.slot, pid: worker.pid, launch: launch)) }
        if let error = reply.error { throw StepFailure(error) }
        var outputs = reply.outputs ?? [:]
        outputs["worker-pid"] = JSONValue(Int(worker.pid))
        return outputs
    }

    private func takeWorker() async throws -> Worker {
        if state == .shuttingDown { throw CancellationError() }
        if abandonedSlots == size { throw noWorkerFailure }
        if !idle.isEmpty { return idle.removeFirst() }
        return try await waitingForWorker.wait()
    }

    /// A slot started a worker that has not said hello yet.
    func starting(slot: Int, _ startup: WorkerStartup) {
        if state == .shuttingDown {
            startup.abort("was still starting when the run ended")
        } else {
            starting[slot] = startup
        }
    }

    /// A slot's worker is ready (new, or done with a request).
    func ready(_ worker: Worker) {
        busy[worker.slot] = nil
        starting[worker.slot] = nil
        if state == .shuttingDown {
            worker.mailbox.finish()
        } else if !waitingForWorker.handOver(worker) {
            idle.append(worker)
        }
    }

    /// A slot gave up: its worker failed to start too many times in a row.
    /// Once every slot has, no CPU step can run: those waiting, and those to
    /// come, fail with why, instead of waiting for ever.
    func abandon(slot: Int, reason: String) {
        abandonedSlots += 1
        startProblem = reason
        guard abandonedSlots == size else { return }
        waitingForWorker.close(failingWith: noWorkerFailure)
    }

    private var noWorkerFailure: StepFailure {
        StepFailure("no worker process could start (\(startProblem), \(WorkerSlot.startAttempts) times in a row); check the worker launch command `\(([launch.executable] + launch.arguments).joined(separator: " "))`")
    }

    /// A slot's worker died; it is neither idle nor busy any more.
    func gone(slot: Int) {
        idle.removeAll { $0.slot == slot }
        busy[slot] = nil
        starting[slot] = nil
    }
}
