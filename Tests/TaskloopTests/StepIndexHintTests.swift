import Testing

@testable import Taskloop

/// The scheduler tags each step event with the step's index, a hint that
/// spares the run's record a lookup by id; a hint that does not match the
/// id is ignored, and the hint is no part of the event.
@Suite struct StepIndexHintTests {
    private func started(_ step: StepID, at time: Int64, hint: Int?) -> TimelineEvent {
        TimelineEvent(time: time, .stepStarted(StepStarted(step: step, attempt: 1, lane: "loop")), stepIndex: hint)
    }

    @Test func aMatchingHintRecordsTheStepItNames() {
        var record = RunEvents([("a", "sleep", []), ("b", "sleep", [])]).record
        record.apply(started("b", at: 5, hint: 1))
        #expect(record.steps[1].startedAt == 5)
        #expect(record.steps[0].startedAt == nil)
    }

    @Test func aHintThatNamesAnotherStepOrNoneFallsBackToTheID() {
        var record = RunEvents([("a", "sleep", []), ("b", "sleep", []), ("c", "sleep", [])]).record
        record.apply(started("c", at: 7, hint: 0))
        record.apply(started("a", at: 8, hint: 99))
        record.apply(started("b", at: 9, hint: -1))
        #expect(record.steps.map(\.startedAt) == [8, 9, 7])
    }

    @Test func theHintIsNoPartOfTheEvent() throws {
        let tagged = started("a", at: 3, hint: 0)
        let plain = started("a", at: 3, hint: nil)
        #expect(tagged == plain)
        #expect(tagged.hashValue == plain.hashValue)
        #expect(EventLogFormat.encode([tagged]) == EventLogFormat.encode([plain]))
    }
}
