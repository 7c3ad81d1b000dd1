import Synchronization
import Testing

@testable import Taskloop

@Suite struct SecretMaskerTests {
    @Test func masksEveryOccurrenceLongestFirstAndEachLineOfAMultiLineValue() {
        let masker = SecretMasker(values: ["abc", "abcdef", "line-one\nline-two", ""])
        #expect(masker.mask("x abcdef y abc z") == "x *** y *** z")
        #expect(masker.mask("key: line-one\nline-two\n") == "key: ***\n")
        #expect(masker.mask("only line-two here") == "only *** here")
        #expect(masker.mask("nothing secret") == "nothing secret")
    }

    @Test func anEmptyValueMasksNothing() {
        #expect(SecretMasker(values: [""]).isEmpty)
    }

    @Test func valuesComeFromThePipelineEnvironmentFirst() throws {
        var pipeline = Pipeline(name: "p", file: "p.yaml", directory: ".", environment: ["TOKEN": "from-file"], steps: [])
        pipeline.secrets = ["TOKEN", "PASSWORD", "UNSET"]
        let masker = SecretMasker(pipeline: pipeline, environment: ["TOKEN": "from-env", "PASSWORD": "hunter2"])
        #expect(masker.mask("from-file from-env hunter2") == "*** from-env ***")
    }

    @Test func eventsAreMaskedInEveryTextField() {
        let masker = SecretMasker(values: ["hunter2"])
        let finished = TimelineEvent(time: 1, .stepFinished(StepFinished(
            step: "login", attempt: 1, lane: "loop", status: .failure, exitCode: 1, error: "bad password hunter2",
            details: ["tried hunter2"], outputs: ["token": .string("hunter2"), "list": .array([.string("a hunter2 b")])])))
        guard case .stepFinished(let masked) = masker.mask(finished).payload else {
            Issue.record("not a step-finished event")
            return
        }
        #expect(masked.error == "bad password ***")
        #expect(masked.details == ["tried ***"])
        #expect(masked.outputs == ["token": .string("***"), "list": .array([.string("a *** b")])])
    }

    /// However a stream is cut into chunks, what comes out is the whole text masked.
    @Test func aStreamIsMaskedWholeWhereverItsChunksAreCut() {
        let masker = SecretMasker(values: ["abcd", "cdx", "hunter2", "pässwörd"])
        let text = "1 abcd 2 abcdx 3 cdx 4 hunter 5 hunter2hunter2 6 pässwörd 7 abc"
        let whole = masker.mask(text)
        #expect(whole == "1 *** 2 ***x 3 *** 4 hunter 5 ****** 6 *** 7 abc")
        let characters = Array(text)
        for cut in 1..<characters.count {
            let collector = OutputCollector()
            let observer = MaskingObserver(masker: masker, observers: [collector])
            observer.stepOutput(StepOutputChunk(step: "s", stream: .standardOutput, text: String(characters[..<cut])))
            observer.stepOutput(StepOutputChunk(step: "s", stream: .standardOutput, text: String(characters[cut...])))
            observer.observe(TimelineEvent(time: 1, .stepFinished(StepFinished(step: "s", attempt: 1, lane: "loop", status: .success))))
            #expect(collector.text == whole, "cut at \(cut)")
            #expect(collector.endedBeforeFinish, "cut at \(cut)")
        }
    }

    @Test func aCutKeepsNoStartOfASecret() {
        let masker = SecretMasker(values: ["hunter2"])
        #expect(masker.safeCut(Array("output hunt".utf8)[...]) == 7)
        #expect(masker.safeCut(Array("output hunter2".utf8)[...]) == 14)
        #expect(masker.safeCut(Array("output hunted".utf8)[...]) == 13)
    }
}

/// Collects what reaches an observer, and whether all output came before
/// the step's end.
private final class OutputCollector: RunObserver {
    private struct State {
        var text = ""
        var finished = false
        var endedBeforeFinish = true
    }

    private let state = Mutex(State())

    var text: String { state.withLock { $0.text } }
    var endedBeforeFinish: Bool { state.withLock { $0.endedBeforeFinish } }

    func observe(_ event: TimelineEvent) {
        if case .stepFinished = event.payload { state.withLock { $0.finished = true } }
    }

    func stepOutput(_ chunk: StepOutputChunk) {
        state.withLock { state in
            if state.finished { state.endedBeforeFinish = false }
            state.text += chunk.text
        }
    }
}
