import Foundation
import Testing
@testable import Taskloop

@Suite(.serialized) struct RetryTests {
    @Test func aFlakyStepSucceedsOnItsThirdAttempt() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              flaky:
                retry: { attempts: 3, delay: 10ms }
                shell: |
                  echo x >> tries
                  test "$(wc -l < tries)" -ge 3 || { echo "try $(wc -l < tries) failed" >&2; exit 1; }
                  echo "attempt=$TASKLOOP_STEP" >> "$TASKLOOP_OUTPUT"
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let step = try #require(report.step("flaky"))
        #expect(step.status == .success)
        #expect(step.attempts == 3)
        #expect(step.earlierAttempts.map(\.error) == ["exited with status 1", "exited with status 1"])
        // Each attempt is its own pair of events, numbered.
        let log = try EventLog.read(path: report.eventLogPath)
        let starts = log.events.compactMap { event -> Int? in
            if case .stepStarted(let started) = event.payload { return started.attempt }
            return nil
        }
        #expect(starts == [1, 2, 3])
        let finishes = log.events.compactMap { event -> (Int, Int64?)? in
            if case .stepFinished(let finished) = event.payload { return (finished.attempt, finished.retryDelay) }
            return nil
        }
        #expect(finishes.map(\.0) == [1, 2, 3])
        #expect(finishes.map(\.1) == [10_000, 20_000, nil])
        // Outputs come from the last attempt.
        #expect(try report.outputs("flaky")["attempt"] == .string("flaky"))
    }

    @Test func theFinalErrorSaysHowManyAttemptsWereMade() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              broken: { retry: { attempts: 2, delay: 1ms }, shell: exit 1 }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.step("broken")?.error == "exited with status 1 (after 2 attempts)")
        #expect(report.step("broken")?.attempts == 2)
    }

    @Test func onNarrowsWhatIsRetried() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              other-code: { retry: { attempts: 3, delay: 1ms, on: [2] }, shell: exit 3 }
              listed-code: { retry: { attempts: 2, delay: 1ms, on: [2, timeout] }, shell: exit 2 }
              slow: { retry: { attempts: 2, delay: 1ms, on: [timeout] }, timeout: 200ms, sleep: 5s }
            """, policy: .keepGoing)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.step("other-code")?.attempts == 1)
        #expect(report.step("listed-code")?.attempts == 2)
        #expect(report.step("slow")?.attempts == 2)
        #expect(report.step("slow")?.error == "timed out after 200ms (the step's `timeout`) (after 2 attempts)")
    }

    @Test func httpStatusesCanBeRetried() async throws {
        try await withTestServer { server in
            let (report, folder) = try await runPipeline("""
                steps:
                  api: { retry: { attempts: 3, delay: 1ms, on: [503] }, http: { url: "\(server.baseURL)/status/503" } }
                """)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            #expect(report.step("api")?.attempts == 3)
            #expect(server.requestCount == 3)
            #expect(report.step("api")?.error?.hasSuffix("expected 2xx (after 3 attempts)") == true)
        }
    }

    @Test func failFastStopsFurtherAttempts() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              patient: { retry: { attempts: 5, delay: 2s }, shell: exit 1 }
              broken: { shell: sleep 0.2; exit 9 }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.step("patient")?.attempts == 1)
        #expect(report.step("patient")?.error == "exited with status 1 (after 1 attempt; the run stopped before the next)")
        #expect(report.record.makespan < 1_500_000)
    }

    @Test func delaysGrowByTheBackoffUpToTheMaximum() {
        let policy = RetryPolicy(attempts: 6, delay: .seconds(1), backoff: 2, maximumDelay: .seconds(3))
        #expect((2...5).map { policy.delay(before: $0) } == [.seconds(1), .seconds(2), .seconds(3), .seconds(3)])
        var jittered = policy
        jittered.jitter = true
        for attempt in 2...5 { #expect(jittered.delay(before: attempt) <= policy.delay(before: attempt)) }
    }

    @Test func retryFieldsAreChecked() throws {
        func problems(_ retry: String) -> [String] {
            do {
                _ = try PipelineLoader().load(contents: "steps:\n  a:\n    shell: echo\n    retry: \(retry)\n", file: "p.yaml")
                return []
            } catch {
                return error.diagnostics.map { "\($0.location!.line):\($0.location!.column) \($0.problem.message)" }
            }
        }
        #expect(problems("3") == [])
        #expect(problems("{ attempts: 0 }") == ["4:24 `attempts` of `retry` of step `a`: 0 is out of range; use 1 to 100"])
        #expect(problems("{ attempts: 2, on: [tiemout] }") == ["4:32 `on` of `retry` of step `a`: `tiemout` is not an exit code, an HTTP status, `timeout` or `worker-crash` (did you mean `timeout`?)"])
        #expect(problems("{ attempts: 2, backoff: 0.5 }") == ["4:36 `backoff` of `retry` of step `a`: use a number from 1 (a fixed delay) to 10"])
        #expect(problems("{ attempts: 2, retries: 3 }") == ["4:27 unknown key `retries` in `retry` of step `a`; expected one of `attempts`, `backoff`, `delay`, `jitter`, `max-delay`, `on`"])
    }
}

@Suite(.serialized) struct PipelineTimeoutTests {
    @Test func thePipelinesTimeoutStopsTheRunAndCleanupStillRuns() async throws {
        let (report, folder) = try await runPipeline("""
            timeout: 400ms
            steps:
              long: { shell: sleep 60 }
              later: { needs: long, shell: echo never }
              cleanup: { needs: long, if: always(), shell: echo cleaned }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.status == .failure)
        #expect(report.record.finished?.reason == "the pipeline's timeout of 400ms was reached")
        #expect(report.step("long")?.status == .cancelled)
        #expect(report.step("long")?.error == "cancelled: the pipeline's timeout of 400ms was reached")
        #expect(report.step("later")?.skipReason == "the pipeline's timeout of 400ms was reached")
        #expect(try report.outputs("cleanup")["stdout"] == .string("cleaned"))
        // `long` would take 60 s: the timeout ended the run far sooner, however loaded the machine.
        #expect(report.record.makespan < 30_000_000)
    }
}
