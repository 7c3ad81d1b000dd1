import Foundation
import NIOCore
import Subprocess
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Keeps one worker process of a ``WorkerPool`` alive: starts it, serves its
/// mailbox, and replaces it when it dies, until the pool shuts down.
struct WorkerSlot: Sendable {
    let number: Int
    let pool: WorkerPool

    /// Why a worker process ended while it held a request.
    private enum Death: Error {
        case malformed(String)
        case closedOutput
    }

    func run() async {
        var failuresInARow = 0
        while await !pool.isShuttingDown, !Task.isCancelled {
            let clean = await runOneWorker()
            failuresInARow = clean ? 0 : failuresInARow + 1
            if failuresInARow >= 5 {
                // A worker that cannot start (a bad launch command) would spin here.
                FileHandle.standardError.write(Data("taskloop: worker \(number) failed to start 5 times; giving up on this slot\n".utf8))
                return
            }
        }
    }

    /// Runs one worker process until it exits. Returns false when it could
    /// not even say hello.
    private func runOneWorker() async -> Bool {
        let (mailbox, mailboxContinuation) = AsyncStream.makeStream(of: WorkerPool.Job.self)
        let launch = pool.launch
        var options = PlatformOptions()
        // Its own process group: Ctrl-C in the terminal reaches taskloop, which
        // decides what happens to workers; it does not kill them behind its back.
        options.processGroupID = 0
        options.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: .seconds(2))]

        let inFlight = InFlightJob()
        var said = false
        var outcome: TerminationStatus?
        do {
            outcome = try await Subprocess.run(
                .path(FilePath(launch.executable)), arguments: Arguments(launch.arguments),
                platformOptions: options,
                input: .inputWriter, output: .sequence, error: .fileDescriptor(.standardError, closeAfterSpawningProcess: false)
            ) { execution in
                var frames = FrameReader(execution.standardOutput.makeAsyncIterator())
                do {
                    let hello = try WireProtocol.decode(WorkerHello.self, from: try await frames.next())
                    guard hello.protocolVersion == WireProtocol.version else {
                        throw Death.malformed("speaks protocol \(hello.protocolVersion), this runner \(WireProtocol.version)")
                    }
                    said = true
                    let pid = execution.processIdentifier.value
                    ChildProcesses.register(group: pid)
                    defer { ChildProcesses.unregister(group: pid) }
                    await pool.ready(WorkerPool.Worker(slot: number, pid: pid, mailbox: mailboxContinuation))
                    for await job in mailbox {
                        inFlight.set(job)
                        _ = try await execution.standardInputWriter.write(try WireProtocol.frame(job.request))
                        let reply = try WireProtocol.decode(WorkerReply.self, from: try await frames.next())
                        guard reply.id == job.request.id else {
                            throw Death.malformed("answered request \(reply.id) instead of \(job.request.id)")
                        }
                        inFlight.take()?.reply.resume(returning: reply)
                        await pool.ready(WorkerPool.Worker(slot: number, pid: pid, mailbox: mailboxContinuation))
                    }
                } catch let death as Death {
                    inFlight.fail(with: death, slot: number, pid: execution.processIdentifier.value)
                    try? execution.send(signal: .kill)
                } catch {
                    inFlight.fail(with: Death.closedOutput, slot: number, pid: execution.processIdentifier.value)
                    try? execution.send(signal: .kill)
                }
                try? await execution.standardInputWriter.finish()
            }.terminationStatus
        } catch {
            inFlight.fail(with: Death.closedOutput, slot: number, pid: nil)
        }
        await pool.gone(slot: number)
        mailboxContinuation.finish()
        // A request may still sit in the mailbox (sent as the worker died).
        for await job in mailbox { job.reply.resume(throwing: StepFailure("worker \(number) exited before running step `\(job.request.step)`")) }
        inFlight.failWithStatus(outcome, slot: number)
        return said
    }
}

/// The request a worker holds, shared between the slot's body and its
/// clean-up: exactly one of them resumes it.
final class InFlightJob: Sendable {
    private let job = Mutex<WorkerPool.Job?>(nil)
    private let pid = Mutex<pid_t?>(nil)

    func set(_ value: WorkerPool.Job) { job.withLock { $0 = value } }
    func take() -> WorkerPool.Job? { job.withLock { job in defer { job = nil }; return job } }

    /// Records which process held the job when its output ended; the job is
    /// failed once the exit status is known (``failWithStatus(_:slot:)``).
    func fail(with error: any Error, slot: Int, pid: pid_t?) {
        self.pid.withLock { $0 = pid }
    }

    /// Fails the held job, if any, with how its worker ended.
    func failWithStatus(_ status: TerminationStatus?, slot: Int) {
        guard let job = take() else { return }
        let pid = self.pid.withLock { $0 }.map { " (pid \($0))" } ?? ""
        let how: String
        switch status {
        case .signaled(let signal): how = "was killed by \(SignalName.of(signal))"
        case .exited(let code): how = "exited with status \(code)"
        case nil: how = "could not be started"
        }
        var failure = StepFailure("worker \(slot)\(pid) \(how) while running step `\(job.request.step)`")
        failure.isWorkerCrash = true
        job.reply.resume(throwing: failure)
    }
}

/// Reads whole frames from a worker's stdout.
struct FrameReader {
    private var iterator: SubprocessOutputSequence.AsyncIterator
    private var decoder = FrameDecoder()

    init(_ iterator: SubprocessOutputSequence.AsyncIterator) {
        self.iterator = iterator
    }

    mutating func next() async throws -> [UInt8] {
        while true {
            if let frame = try decoder.next() { return frame }
            guard let buffer = try await iterator.next() else { throw WorkerSlot.EndOfOutput() }
            decoder.append(buffer.withUnsafeBytes { Array($0) })
        }
    }
}

extension WorkerSlot {
    struct EndOfOutput: Error {}
}

import Synchronization
