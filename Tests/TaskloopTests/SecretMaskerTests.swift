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
}
