import Foundation
import NIOCore
import Synchronization
import Testing
@testable import Taskloop

/// A plugin-style I/O kind that records which thread its code ran on, before
/// and after it waits on the loop.
struct ThreadProbeStep: StepKind {
    static let name = "thread-probe"
    static let summary = "Records the thread its code runs on."
    static let fields: [FieldDocumentation] = []
    static let observations = Mutex<[(before: UInt, after: UInt, onLoop: Bool)]>([])

    init(from configuration: ConfigNode, field: String) throws(PipelineDiagnostics) {}
    var detail: String { "probe" }

    func run(in context: StepContext) async throws -> StepOutputs {
        let before = UInt(pthread_self())
        let onLoopBefore = context.eventLoop.inEventLoop
        try await context.eventLoop.sleep(for: .milliseconds(300))
        let after = UInt(pthread_self())
        Self.observations.withLock { $0.append((before, after, onLoopBefore && context.eventLoop.inEventLoop)) }
        return [:]
    }
}

@Suite(.serialized) struct SchedulerTests {
    @Test func twoHundredStepsRunOnOneThreadAtOnce() async throws {
        ThreadProbeStep.observations.withLock { $0.removeAll() }
        let steps = (0..<200).map { "  probe-\($0): { uses: thread-probe }" }.joined(separator: "\n")
        let (report, folder) = try await runPipeline("steps:\n" + steps, plugins: [ThreadProbeStep.self])
        defer { try? FileManager.default.removeItem(atPath: folder) }

        #expect(report.status == .success)
        let observations = ThreadProbeStep.observations.withLock { $0 }
        #expect(observations.count == 200)
        #expect(observations.allSatisfy { $0.onLoop })
        let threads = Set(observations.flatMap { [$0.before, $0.after] })
        #expect(threads.count == 1, "step code ran on \(threads.count) threads")
        // 200 waits of 300 ms overlapped: about one step's time, nowhere near the 60 s sum.
        #expect(report.record.makespan < 3_000_000)
        #expect(report.record.totalStepTime >= 200 * 300_000)
    }

    @Test func failFastCancelsRunningStepsAndSkipsTheRest() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              broken:
                shell: sleep 0.2; echo oops >&2; exit 3
              slow:
                sleep: 30s
              after-slow:
                needs: slow
                shell: echo never
              after-broken:
                needs: broken
                shell: echo never
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.status == .failure)
        #expect(report.exitCode == 1)
        #expect(report.status("broken") == .failure)
        #expect(report.step("broken")?.exitCode == 3)
        #expect(report.step("broken")?.error == "exited with status 3")
        #expect(report.step("broken")?.details == ["oops"])
        #expect(report.status("slow") == .cancelled)
        #expect(report.status("after-slow") == .skipped)
        #expect(report.status("after-broken") == .skipped)
        #expect(report.record.makespan < 10_000_000)
    }

    @Test func keepGoingRunsEverythingIndependentOfTheFailure() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              broken: { shell: exit 1 }
              fine: { sleep: 100ms }
              needs-broken: { needs: broken, shell: echo never }
              transitively: { needs: needs-broken, shell: echo never }
              needs-fine: { needs: fine, shell: echo ran }
            """, policy: .keepGoing)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.status == .failure)
        #expect(report.status("fine") == .success)
        #expect(report.status("needs-fine") == .success)
        #expect(report.status("needs-broken") == .skipped)
        #expect(report.status("transitively") == .skipped)
        #expect(report.step("transitively")?.skipReason == "needs `needs-broken`, which did not succeed")
    }

    @Test func continueOnErrorLetsDependentsRun() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              flaky: { shell: exit 4, continue-on-error: true }
              next: { needs: flaky, shell: echo ran }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.status == .success)
        #expect(report.exitCode == 0)
        #expect(report.status("flaky") == .failure)
        #expect(report.status("next") == .success)
    }

    @Test func aToleratedFailureConcludesAsASuccessForTheIfOfItsDependents() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              flaky: { shell: exit 4, continue-on-error: true }
              whenFine: { needs: flaky, if: success(), shell: echo ran }
              whenFailed: { needs: flaky, if: failure(), shell: echo ran }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.status("flaky") == .failure)
        #expect(report.status("whenFine") == .success)
        #expect(report.status("whenFailed") == .skipped)
    }

    @Test func anInterruptCancelsRunningStepsAndSkipsWaitingOnes() async throws {
        let interrupter = RunInterrupter()
        async let run = runPipeline("""
            steps:
              long: { shell: sleep 30 }
              later: { needs: long, shell: echo never }
            """, interrupter: interrupter)
        try await Task.sleep(for: .milliseconds(500))
        interrupter.interrupt()
        let (report, folder) = try await run
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.status == .interrupted)
        #expect(report.exitCode == 130)
        #expect(report.status("long") == .cancelled)
        #expect(report.status("later") == .skipped)
        #expect(report.step("later")?.skipReason == "the run was interrupted")
    }

    @Test func poolsLimitConcurrencyByName() async throws {
        let (report, folder) = try await runPipeline("""
            limits: { pools: { one: 1 } }
            steps:
              a: { pool: one, sleep: 200ms }
              b: { pool: one, sleep: 200ms }
              c: { sleep: 200ms }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let a = try #require(report.step("a")), b = try #require(report.step("b")), c = try #require(report.step("c"))
        #expect(try #require(b.startedAt) >= #require(a.finishedAt))
        #expect(try #require(c.startedAt) < #require(a.finishedAt))
    }
}

/// A badly written plugin step: it blocks the event loop instead of awaiting.
struct LoopBlockingStep: StepKind {
    static let name = "block-loop"
    static let summary = "Blocks the loop for 300 ms."
    static let fields: [FieldDocumentation] = []

    init(from configuration: ConfigNode, field: String) throws(PipelineDiagnostics) {}
    var detail: String { "usleep 300ms" }

    func run(in context: StepContext) async throws -> StepOutputs {
        try await context.eventLoop.sleep(for: .milliseconds(50))
        usleep(300_000)  // the mistake the loop-lag monitor exists to catch
        return [:]
    }
}

@Suite(.serialized) struct LoopLagMonitorTests {
    @Test func aStepThatBlocksTheLoopIsReportedAsAStallByName() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              parse: { uses: block-loop }
              wait: { sleep: 600ms }
            """, plugins: [LoopBlockingStep.self])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.status == .success)
        let stalls = report.record.stalls.map(\.stall)
        #expect(stalls.count == 1)
        #expect(stalls.first?.steps == ["parse"])
        #expect(try #require(stalls.first?.duration) >= 200_000)
        let warnings = RunSummary(record: report.record).stallWarnings
        #expect(warnings.count == 1)
        #expect(warnings.first?.hasPrefix("warning: step `parse` blocked the event loop for ") == true)
        #expect(warnings.first?.hasSuffix(": move CPU work to a cpu kind, and blocking calls to the thread pool") == true)
        // The lag series is in the event log too.
        #expect(!report.record.lagSamples.isEmpty)
        #expect(report.record.lagSamples.map(\.lag.maximum).max() ?? 0 >= 200_000)
    }

    @Test func aRunThatAwaitsHasNoStalls() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              a: { sleep: 300ms }
              b: { shell: sleep 0.2 }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.record.stalls.isEmpty)
        #expect(!report.record.lagSamples.isEmpty)
    }
}
