import Testing

@testable import Taskloop

/// The line CPU steps wait in for a free worker.
@Suite struct WaitingLineTests {
    struct NoWorker: Error, Equatable {}

    /// How `wait()` ends, or "still waiting" after 10 s (the wait is then
    /// cancelled, so the test ends either way).
    func outcome(of line: WaitingLine<Int>) async -> String {
        await withTaskGroup(of: String.self) { group in
            group.addTask {
                do { return "handed \(try await line.wait())" } catch is NoWorker { return "no worker" } catch { return "\(error)" }
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(10))
                return "still waiting"
            }
            let first = await group.next() ?? ""
            group.cancelAll()
            return first
        }
    }

    @Test func aValueHandedOverEndsTheLongestWait() async throws {
        let line = WaitingLine<Int>()
        async let first = outcome(of: line)
        while !line.handOver(7) { try await Task.sleep(for: .milliseconds(1)) }
        #expect(await first == "handed 7")
        #expect(!line.handOver(8), "nobody waits any more")
    }

    /// A step asks for a worker, and before its wait joins the line the
    /// last worker slot gives up: the wait must end with why, not wait for
    /// a worker that will never come.
    @Test func aWaitThatJoinsAfterTheLineClosedEndsWithWhy() async {
        let line = WaitingLine<Int>()
        line.close(failingWith: NoWorker())
        #expect(await outcome(of: line) == "no worker")
    }

    @Test func closingEndsTheWaitsInTheLineAndKeepsTheFirstReason() async throws {
        let line = WaitingLine<Int>()
        async let waiting = outcome(of: line)
        try await Task.sleep(for: .milliseconds(50))
        line.close(failingWith: NoWorker())
        line.close(failingWith: CancellationError())
        #expect(await waiting == "no worker")
        #expect(await outcome(of: line) == "no worker")
    }
}
