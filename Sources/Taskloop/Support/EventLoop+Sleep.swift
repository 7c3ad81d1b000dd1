public import NIOCore

extension EventLoop {
    /// Suspends the calling task for `duration` using this loop's timer: no
    /// thread waits. Throws `CancellationError` if the task is cancelled first.
    /// A duration of zero or less only yields to the other tasks, as
    /// `asyncio.sleep(0)` does: no timer is scheduled. Runs on the caller's
    /// executor.
    nonisolated(nonsending) public func sleep(for duration: Duration) async throws {
        if duration <= .zero {
            try Task.checkCancellation()
            await Task.yield()
            try Task.checkCancellation()
            return
        }
        try await sleepOnTimer(for: duration)
    }

    /// The timer's part of ``sleep(for:)``, a function of its own so that a
    /// yield's async frame is small (thousands of tasks may hold one).
    @inline(never)
    private func sleepOnTimer(for duration: Duration) async throws {
        let scheduled = scheduleTask(in: .nanoseconds(duration.nanosecondsClamped)) {}
        do {
            try await withTaskCancellationHandler {
                try await scheduled.futureResult.get()
            } onCancel: {
                scheduled.cancel()
            }
        } catch EventLoopError.cancelled {
            throw CancellationError()
        }
    }
}

extension Duration {
    /// Whole nanoseconds, saturating at `Int64.max` for absurdly long durations.
    var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? 0 : .max }
        let (total, overflow2) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        return overflow2 ? .max : max(0, total)
    }
}
