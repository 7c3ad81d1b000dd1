/// The run's monotonic clock: event times are microseconds since its start.
package struct RunClock: Sendable {
    package let start: ContinuousClock.Instant

    package init(start: ContinuousClock.Instant = .now) {
        self.start = start
    }

    package func microsecondsSinceStart() -> Int64 {
        (ContinuousClock.now - start).microseconds
    }
}
