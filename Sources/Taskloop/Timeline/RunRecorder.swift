import Synchronization

/// Keeps the ``RunRecord`` of a run up to date as events arrive.
package final class RunRecorder: RunObserver {
    private let record = Mutex(RunRecord())

    package init() {}

    package func observe(_ event: TimelineEvent) {
        record.withLock { $0.apply(event) }
    }

    package func stepOutput(_ chunk: StepOutputChunk) {}

    package var current: RunRecord { record.withLock { $0 } }
}
