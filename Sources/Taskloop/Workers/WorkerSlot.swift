import CTaskloopShims
import Foundation
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// Keeps one worker process of a ``WorkerPool`` alive: starts it, serves its
/// mailbox, and replaces it when it dies, until the pool shuts down.
struct WorkerSlot: Sendable {
    let number: Int
    let pool: WorkerPool

    /// Why a worker process ended while it held a request.
    /// A worker broke the protocol; it is killed and its request fails.
    private struct Malformed: Error {
        var reason: String
    }

    func run() async {
        var failuresInARow = 0
        while await !pool.isShuttingDown, !Task.isCancelled {
            let end = await runOneWorker()
            failuresInARow = end.saidHello ? 0 : failuresInARow + 1
            if failuresInARow >= Self.startAttempts {
                // A worker that cannot start (a bad launch command, a crash at
                // start-up) would spin here: the pool fails the steps instead.
                await pool.abandon(slot: number, reason: end.problem ?? "it did not start")
                return
            }
        }
    }

    /// How many times in a row a worker may fail to start before the slot gives up.
    static let startAttempts = 5

    /// How one worker process ended: whether it said hello, and what went
    /// wrong when something did.
    struct WorkerEnd {
        var saidHello: Bool
        var problem: String?
    }

    /// Runs one worker process until it exits.
    ///
    /// The worker's stdin and stdout are pipes this slot makes and reads on
    /// the run's event loop through a NIO pipe channel
    /// (``WorkerConnection``); the worker is started as a ``ChildProcess``
    /// (its own process group, known to the guardian from the start), and
    /// its exit is awaited without blocking the loop.
    private func runOneWorker() async -> WorkerEnd {
        let (mailbox, mailboxContinuation) = AsyncStream.makeStream(of: WorkerPool.Job.self)
        let launch = pool.launch
        let eventLoop = pool.eventLoop
        let inFlight = InFlightJob()
        let group = ProcessGroupHandle()
        let startup = WorkerStartup(group: group)
        var said = false
        var outcome: ProcessTermination?
        var problem: String?
        do {
            let pipes = try WorkerPipes()
            let process: ChildProcess
            do {
                process = try ChildProcess.spawn(ChildProcess.Configuration(
                    executable: launch.executable, arguments: launch.arguments,
                    standardInput: pipes.childInput, standardOutput: pipes.childOutput, standardError: STDERR_FILENO))
            } catch {
                pipes.closeAll()
                throw error
            }
            close(pipes.childInput)
            close(pipes.childOutput)
            let pid = process.pid
            group.started(leader: pid)
            await pool.starting(slot: number, startup)
            let timeout = pool.startTimeout
            let command = ([launch.executable] + launch.arguments).joined(separator: " ")
            let deadline = eventLoop.scheduleTask(in: .nanoseconds(timeout.nanosecondsClamped)) {
                startup.abort("did not start within \(timeout.compactDescription): \(command)")
            }
            await withTaskCancellationHandler {
                await serve(
                    input: pipes.parentInput, output: pipes.parentOutput, pid: pid, startup: startup,
                    mailbox: mailbox, mailboxContinuation: mailboxContinuation, inFlight: inFlight,
                    saidHello: { deadline.cancel(); said = true }, problem: &problem)
            } onCancel: {
                startup.abort("was stopped as the run ended")
            }
            deadline.cancel()
            // Its stdin is closed: an idle worker exits now. One that does not
            // (a launch command that ignores end-of-file) is killed.
            eventLoop.scheduleTask(in: .seconds(2)) { group.signal(SIGKILL) }
            outcome = await process.waitForExit(on: eventLoop) { group.end() }
        } catch {
            problem = "could not be started: \(error)"
            inFlight.recordHolder(nil, protocolProblem: nil)
        }
        await pool.gone(slot: number)
        mailboxContinuation.finish()
        // A request may still sit in the mailbox (sent as the worker died).
        for await job in mailbox { job.reply.resume(throwing: StepFailure("worker \(number) exited before running step `\(job.request.step)`")) }
        inFlight.failWithStatus(outcome, slot: number)
        if problem == nil, !said, let outcome { problem = "\(outcome.description) before saying hello" }
        return WorkerEnd(saidHello: said, problem: problem.map { "worker \(number) \($0)" })
    }

    /// Speaks the protocol with a started worker until its output ends or the
    /// pool closes its mailbox; on any failure the worker's group is killed.
    private func serve(
        input: CInt, output: CInt, pid: pid_t, startup: WorkerStartup,
        mailbox: AsyncStream<WorkerPool.Job>, mailboxContinuation: AsyncStream<WorkerPool.Job>.Continuation,
        inFlight: InFlightJob, saidHello: () -> Void, problem: inout String?
    ) async {
        var opened: WorkerConnection?
        do {
            let connection = try await NIOPipeBootstrap(group: pool.eventLoop)
                .takingOwnershipOfDescriptors(input: input, output: output) { channel in
                    channel.eventLoop.makeCompletedFuture { try WorkerConnection(wrappingChannelSynchronously: channel) }
                }
            opened = connection
            startup.attach(connection.channel)
            let hello = try WireProtocol.decodeHello(from: try await connection.nextFrame())
            guard hello.protocolVersion == WireProtocol.version else {
                throw Malformed(reason: "speaks protocol \(hello.protocolVersion), this runner \(WireProtocol.version)")
            }
            guard startup.markStarted() else { throw EndOfOutput() }
            saidHello()
            let worker = WorkerPool.Worker(slot: number, pid: pid, group: startup.group, mailbox: mailboxContinuation)
            await pool.ready(worker)
            for await job in mailbox {
                inFlight.set(job)
                let reply = try WireProtocol.decode(WorkerReply.self, from: try await connection.request(WireProtocol.frame(job.request)))
                guard reply.id == job.request.id else {
                    throw Malformed(reason: "answered request \(reply.id) instead of \(job.request.id)")
                }
                inFlight.take()?.reply.resume(returning: reply)
                await pool.ready(worker)
            }
            // The mailbox closed: closing the pipes ends the worker's stdin,
            // and it exits.
            await connection.close()
        } catch {
            await opened?.close()
            let broken = Self.protocolProblem(error)
            if let broken { problem = "broke the wire protocol: \(broken)" }
            if let reason = startup.abortReason { problem = reason }
            inFlight.recordHolder(pid, protocolProblem: broken)
            startup.group.signal(SIGKILL)
        }
    }

    /// What broke the protocol, when `error` says the worker did; nil when
    /// its output simply ended (it died) or writing to it failed.
    private static func protocolProblem(_ error: any Error) -> String? {
        switch error {
        case let malformed as Malformed: return malformed.reason
        case let failure as FrameDecoder.Failure: return "it sent \(failure)"
        case let error as WireFormatError: return "it sent \(error)"
        case is DecodingError: return "it sent a frame that is not a message of the protocol"
        default: return nil
        }
    }
}

/// The two pipes between the runner and a worker. Every end is close-on-exec,
/// so no other child process inherits them; the child's ends become its stdin
/// and stdout when it starts.
struct WorkerPipes {
    let childInput: CInt
    let parentOutput: CInt
    let parentInput: CInt
    let childOutput: CInt

    init() throws {
        var toWorker: [CInt] = [0, 0]
        var fromWorker: [CInt] = [0, 0]
        guard taskloop_pipe_cloexec(&toWorker) == 0 else { throw StepFailure("cannot create a pipe for a worker: errno \(errno)") }
        guard taskloop_pipe_cloexec(&fromWorker) == 0 else {
            close(toWorker[0])
            close(toWorker[1])
            throw StepFailure("cannot create a pipe for a worker: errno \(errno)")
        }
        (childInput, parentOutput) = (toWorker[0], toWorker[1])
        (parentInput, childOutput) = (fromWorker[0], fromWorker[1])
    }

    func closeAll() {
        for descriptor in [childInput, parentOutput, parentInput, childOutput] { close(descriptor) }
    }
}

/// The request a worker holds, shared between the slot's body and its
/// clean-up: exactly one of them resumes it.
final class InFlightJob: Sendable {
    private let job = Mutex<WorkerPool.Job?>(nil)
    private let pid = Mutex<pid_t?>(nil)
    private let protocolProblem = Mutex<String?>(nil)

    func set(_ value: WorkerPool.Job) { job.withLock { $0 = value } }
    func take() -> WorkerPool.Job? { job.withLock { job in defer { job = nil }; return job } }

    /// Records which process held the job when its output ended, and what
    /// it broke when it broke the protocol; the job is failed once the exit
    /// status is known (``failWithStatus(_:slot:)``).
    func recordHolder(_ pid: pid_t?, protocolProblem: String?) {
        self.pid.withLock { $0 = pid }
        self.protocolProblem.withLock { $0 = protocolProblem }
    }

    /// Fails the held job, if any, with how its worker ended.
    func failWithStatus(_ status: ProcessTermination?, slot: Int) {
        guard let job = take() else { return }
        let pid = self.pid.withLock { $0 }.map { " (pid \($0))" } ?? ""
        let how = protocolProblem.withLock { $0 }.map { "broke the wire protocol (\($0)) and was killed" }
            ?? status?.description ?? "could not be started"
        var failure = StepFailure("worker \(slot)\(pid) \(how) while running step `\(job.request.step)`")
        failure.isWorkerCrash = true
        job.reply.resume(throwing: failure)
    }
}

extension WorkerSlot {
    struct EndOfOutput: Error {}
}

import Synchronization
