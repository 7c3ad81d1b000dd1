/// Something that watches a run: the event log, the console, a recorder.
///
/// The scheduler calls observers on the event loop, in the order things
/// happen. An observer must return at once: queue the work, never block.
package protocol RunObserver: Sendable {
    func observe(_ event: TimelineEvent)
    func stepOutput(_ chunk: StepOutputChunk)
}
