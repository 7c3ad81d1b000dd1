import Foundation
import Testing
import TaskloopTestServer
@testable import Taskloop

/// A worker that is slow to start, or never does: a step's timeout, an
/// interrupt and the start-up deadline still apply, and no process is left.
@Suite(.serialized) struct WorkerStartTests {
    /// A launch command that starts a process which never says hello; each
    /// start appends its pid to `pids` in `folder`.
    static func silentWorker(in folder: String) -> WorkerLaunch {
        WorkerLaunch(executable: "/bin/sh", arguments: ["-c", "echo $$ >> '\(folder)/pids'; exec sleep 997"])
    }

    static func startedPids(in folder: String) -> [pid_t] {
        let text = (try? String(contentsOfFile: folder + "/pids", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { pid_t($0) }
    }

    @Test(.timeLimit(.minutes(1)))
    func aStepTimeoutAppliesWhileItsWorkerIsStarting() async throws {
        let marker = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: marker) }
        let (report, folder) = try await runPipeline("""
            limits: { workers: 1 }
            steps:
              hash: { cpu: { function: primes, with: { n: 100 } }, timeout: 800ms }
            """, workerLaunch: Self.silentWorker(in: marker))
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.step("hash")?.error == "timed out after 800ms (the step's `timeout`)")
        let started = Self.startedPids(in: marker)
        #expect(!started.isEmpty)
        #expect(started.allSatisfy { !ProcessTable.isAlive($0) }, "left running: \(started.filter(ProcessTable.isAlive))")
    }

    @Test(.timeLimit(.minutes(1)))
    func aWorkerThatDoesNotSayHelloInTimeIsKilledAndSaysWhy() async throws {
        let marker = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: marker) }
        let launch = Self.silentWorker(in: marker)
        let (report, folder) = try await runPipeline("""
            limits: { workers: 1 }
            steps:
              hash: { cpu: { function: primes, with: { n: 100 } } }
            """, workerLaunch: launch, workerStartTimeout: .milliseconds(300))
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let error = try #require(report.step("hash")?.error)
        let command = ([launch.executable] + launch.arguments).joined(separator: " ")
        #expect(error.hasPrefix("no worker process could start (worker 1 did not start within 300ms: \(command), 5 times in a row)"), "\(error)")
        let started = Self.startedPids(in: marker)
        #expect(started.count == WorkerSlot.startAttempts)
        #expect(started.allSatisfy { !ProcessTable.isAlive($0) }, "left running: \(started.filter(ProcessTable.isAlive))")
    }

    @Test(.timeLimit(.minutes(1)))
    func anInterruptReachesAStepWaitingForAStartingWorker() async throws {
        let marker = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: marker) }
        let interrupter = RunInterrupter()
        async let run = runPipeline("""
            limits: { workers: 1 }
            steps:
              hash: { cpu: { function: primes, with: { n: 100 } } }
            """, interrupter: interrupter, workerLaunch: Self.silentWorker(in: marker))
        for _ in 0..<200 where Self.startedPids(in: marker).isEmpty {
            try await Task.sleep(for: .milliseconds(20))
        }
        interrupter.interrupt()
        let (report, folder) = try await run
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.status == .interrupted)
        #expect(report.status("hash") == .cancelled)
        let started = Self.startedPids(in: marker)
        #expect(started.count == 1)
        #expect(started.allSatisfy { !ProcessTable.isAlive($0) }, "left running: \(started.filter(ProcessTable.isAlive))")
    }
}
