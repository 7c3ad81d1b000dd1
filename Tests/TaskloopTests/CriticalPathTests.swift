import Testing
@testable import Taskloop

/// The critical path counts every wait on the way, so its length is the makespan,
/// and never runs through a step the run's end cancelled.
@Suite struct CriticalPathTests {
    @Test func waitsForCapacityAndRetryDelaysAreCountedSoTheLengthIsTheMakespan() {
        var run = RunEvents([("fetch", "sleep", []), ("build", "shell", ["fetch"]), ("flaky", "shell", ["build"])])
        run.queued("fetch", at: 0)
        run.ran("fetch", from: 0, to: 100_000)
        // build waits 50 ms for capacity after fetch is done.
        run.queued("build", at: 100_000)
        run.ran("build", from: 150_000, to: 400_000)
        // flaky fails once, waits 200 ms, then succeeds.
        run.queued("flaky", at: 400_000)
        run.ran("flaky", from: 400_000, to: 450_000, status: .failure, retryIn: 200_000, error: "exit 1")
        run.ran("flaky", from: 650_000, to: 700_000, attempt: 2)
        run.finished(.success, at: 700_000)
        let record = run.record
        let path = CriticalPath(record: record)
        #expect(path.steps == ["fetch", "build", "flaky"])
        #expect(path.length == record.makespan)
        #expect(path.length == 700_000)
        #expect(path.runTime == 100_000 + 250_000 + 50_000 + 50_000)
        #expect(path.retryDelay == 200_000)
        #expect(path.waitTime == 50_000)
        #expect(path.breakdown == "700ms = 450ms running + 50ms waiting + 200ms between retries")
    }

    @Test func aCancelledBystanderIsNeverOnThePath() {
        var run = RunEvents([("test", "shell", []), ("slow", "sleep", [])])
        run.ran("test", from: 0, to: 300_000, status: .failure, error: "exited with status 1")
        // slow was running when test failed; fail-fast cancelled it a little later.
        run.ran("slow", from: 0, to: 320_000, status: .cancelled, error: "cancelled")
        run.finished(.failure, at: 320_000)
        let path = CriticalPath(record: run.record)
        #expect(path.steps == ["test"])
        #expect(path.length == 300_000)
        #expect(path.cancelledTail == 20_000)
        let html = HTMLReport(record: run.record).render()
        #expect(html.contains("class=\"bar failure crit\""))
        #expect(!html.contains("class=\"bar cancelled crit\""))
        #expect(html.contains("Cancelled steps ran 20ms longer"))
    }

    @Test func aStepThatWaitedForAWorkerFromTheStartCountsItsWait() {
        var run = RunEvents([("first", "spin", []), ("second", "spin", [])])
        run.queued("first", at: 0)
        run.queued("second", at: 0)
        run.ran("first", from: 0, to: 400_000, lane: "worker-1")
        run.ran("second", from: 400_000, to: 600_000, lane: "worker-1")
        let path = CriticalPath(record: run.record)
        #expect(path.steps == ["second"])
        #expect(path.length == 600_000)
        #expect(path.waitTime == 400_000)
    }
}
