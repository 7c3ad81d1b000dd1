import Testing

@testable import Taskloop

@Suite struct StepOutputTailsTests {
    @Test func keepsWholeOutputUnderTheLimit() {
        let tails = StepOutputTails(limit: 100)
        tails.stepOutput(StepOutputChunk(step: "a", stream: .standardOutput, text: "one\n"))
        tails.stepOutput(StepOutputChunk(step: "a", stream: .standardError, text: "two\n"))
        tails.stepOutput(StepOutputChunk(step: "b", stream: .standardOutput, text: "other\n"))
        #expect(tails.captured["a"] == CapturedOutput(text: "one\ntwo\n", droppedBytes: 0))
        #expect(tails.captured["a"]?.lastLines(1) == ["two"])
        #expect(tails.captured["b"]?.text == "other\n")
    }

    @Test func keepsOnlyTheEndOfLongOutputFromALineStart() {
        let tails = StepOutputTails(limit: 100)
        var total = 0
        for number in 0..<1_000 {
            let line = "line \(number)\n"
            total += line.utf8.count
            tails.stepOutput(StepOutputChunk(step: "a", stream: .standardOutput, text: line))
        }
        let captured = try! #require(tails.captured["a"])
        #expect(captured.text.utf8.count <= 200)
        #expect(captured.text.hasPrefix("line "))
        #expect(captured.text.hasSuffix("line 999\n"))
        #expect(captured.droppedBytes + captured.text.utf8.count == total)
        #expect(captured.lastLines(2) == ["line 998", "line 999"])
    }
}
