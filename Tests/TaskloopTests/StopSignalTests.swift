import Testing

@testable import Taskloop

/// A step's attempt without a timeout runs in the step's own task, which its
/// stop signal cancels directly (``StopSignal/cancelOnFire(_:)``).
@Suite struct StopSignalTests {
    @Test func firingCancelsTheArmedTaskAndReleaseSaysWhy() async {
        let signal = StopSignal()
        let armed = AsyncStream<Void>.makeStream()
        let attempt = Task {
            withUnsafeCurrentTask { signal.cancelOnFire($0) }
            armed.continuation.yield()
            // Ends early only when cancelled.
            try? await Task.sleep(for: .seconds(60))
            return signal.release()
        }
        for await _ in armed.stream { break }
        signal.fire(.cancelled)
        #expect(await attempt.value == .cancelled)
        #expect(attempt.isCancelled)
    }

    @Test func armingAFiredSignalCancelsAtOnce() async {
        let signal = StopSignal()
        signal.fire(.pipelineTimeout(.seconds(2)))
        let (cancelled, reason) = await Task {
            withUnsafeCurrentTask { signal.cancelOnFire($0) }
            return (Task.isCancelled, signal.release())
        }.value
        #expect(cancelled)
        #expect(reason == .pipelineTimeout(.seconds(2)))
    }

    @Test func afterReleaseFiringLeavesTheTaskAlone() async {
        let signal = StopSignal()
        let (reason, cancelledAfterFire) = await Task {
            withUnsafeCurrentTask { signal.cancelOnFire($0) }
            let reason = signal.release()
            signal.fire(.cancelled)
            return (reason, Task.isCancelled)
        }.value
        #expect(reason == nil)
        #expect(!cancelledAfterFire)
        #expect(signal.isFired)
    }

    @Test func theFirstReasonWinsForWaitersToo() async {
        let signal = StopSignal()
        let waiter = Task { await signal.wait() }
        signal.fire(.timeout(.seconds(1)))
        signal.fire(.cancelled)
        #expect(await waiter.value == .timeout(.seconds(1)))
        #expect(await signal.wait() == .timeout(.seconds(1)))
    }
}
