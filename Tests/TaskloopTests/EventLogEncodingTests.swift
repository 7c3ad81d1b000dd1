import Foundation
import Testing
@testable import Taskloop

/// The event log's lines are written field by field; `JSONEncoder` with
/// sorted keys is the reference spelling of the format. Every kind of event,
/// with every optional field present and absent, is written both ways here.
struct EventLogEncodingTests {
    /// Text a step may produce: quotes, backslashes, every control
    /// character, slashes, non-ASCII and characters JSON need not escape.
    static let awkwardText: String = {
        var text = #"say "hi" \ / "#
        for code in 0..<0x20 { text.unicodeScalars.append(Unicode.Scalar(UInt8(code))) }
        return text + "\u{7F} é ü 😀 \u{2028} end"
    }()

    static let outputs: StepOutputs = [
        "stdout": .string(awkwardText), "exit-code": JSONValue(0), "B": .bool(true), "a10": .null, "a9": .number(-1.5),
        "_x": .number(1e20), "small": .number(2.5e-7), "big": .number(123_456_789_012_345.6), "whole": .number(1e15),
        "list": .array([.number(1), .string("two"), .array([]), .object([:])]),
        "json": .object(["z": .number(3), "A": .object(["ä": .string("x"), "a": .null]), "é": .bool(false)]),
    ]

    static let events: [TimelineEvent] = [
        TimelineEvent(time: 0, .runStarted(RunStarted(
            runID: "20261125-141534-ab03", pipeline: "hello", file: "/tmp/a b/hello.yaml", startedAt: "2026-11-25T14:15:34.123Z",
            startedAtUnixMicroseconds: 1_764_080_134_123_000, parameters: ["who": "world", "Z": awkwardText, "a": ""],
            host: "box", pid: 4242, version: "0.1.0", policy: .keepGoing, ioLimit: 256, pools: ["api": 4, "db": 1],
            steps: [
                .init(id: "greet", kind: "shell", detail: "echo \"$GREETING\"\n", needs: [], pool: nil, file: nil,
                      line: 6, column: 3, continueOnError: nil, digest: nil),
                .init(id: "notes", kind: "file", detail: "write out/notes.txt", needs: ["greet", "nap"], pool: "api",
                      file: "common/checks.yaml", line: 10, column: 5, continueOnError: true, digest: "0123abcd"),
            ],
            filePath: "/tmp/a b/hello.yaml", resumedFrom: "20261125-140512-3f9a"))),
        TimelineEvent(time: 1, .runStarted(RunStarted(
            runID: "r", pipeline: "p", file: "f", startedAt: "s", startedAtUnixMicroseconds: -1, parameters: [:],
            host: "h", pid: 1, version: "v", policy: .failFast, ioLimit: 1, pools: [:], steps: []))),
        TimelineEvent(time: 37, .stepQueued(StepQueued(step: "greet"))),
        // The extremes of the log's integers, spelled digit by digit.
        TimelineEvent(time: .max, .runStarted(RunStarted(
            runID: "r", pipeline: "p", file: "f", startedAt: "s", startedAtUnixMicroseconds: .min, parameters: [:],
            host: "h", pid: 0, version: "v", policy: .keepGoing, ioLimit: 10, pools: [:], steps: []))),
        TimelineEvent(time: 52, .stepStarted(StepStarted(step: "greet", attempt: 1, lane: "loop"))),
        TimelineEvent(time: 9_999_999_999, .stepStarted(StepStarted(step: "v1.2", attempt: 12, lane: "worker-2"))),
        TimelineEvent(time: 2_000_052, .stepRunning(StepRunning(step: "greet", attempt: 1, lane: "vm · job 12.3", queue: "slurm"))),
        TimelineEvent(time: 2310, .stepFinished(StepFinished(
            step: "greet", attempt: 1, lane: "loop", status: .success, exitCode: 0, error: nil, details: nil, outputs: outputs))),
        TimelineEvent(time: 2311, .stepFinished(StepFinished(
            step: "b", attempt: 2, lane: "loop", status: .failure, exitCode: -9, error: awkwardText,
            details: ["line 1", awkwardText, ""], outputs: [:], retryDelay: 500_000, outputsMasked: true))),
        TimelineEvent(time: 2312, .stepFinished(StepFinished(
            step: "c", attempt: 1, lane: "loop", status: .cancelled, exitCode: nil, error: "cancelled", details: nil, outputs: nil))),
        TimelineEvent(time: 3000, .stepSkipped(StepSkipped(step: "c", reason: "needs `b`, which did not succeed"))),
        TimelineEvent(time: 41, .stepReused(StepReused(step: "version", fromRun: "20261125-140512-3f9a", outputs: ["version": .string("1.4.2")]))),
        TimelineEvent(time: 42, .stepReused(StepReused(step: "other", fromRun: "x", outputs: nil))),
        TimelineEvent(time: 43, .stepChecked(StepChecked(step: "gen", outcome: .run, reason: "source src/a.c changed"))),
        TimelineEvent(time: 44, .stepChecked(StepChecked(
            step: "app", outcome: .upToDate, reason: "sources, definition and outputs unchanged", outputs: ["digest": .string("ab\u{1}")]))),
        TimelineEvent(time: 45, .stepChecked(StepChecked(step: "upload", outcome: .restored, reason: "output build/app missing", outputs: [:]))),
        TimelineEvent(time: 258_112, .runFinished(RunFinished(
            status: .success, reason: nil, succeeded: 4, failed: 0, cancelled: 0, skipped: 0, reused: nil))),
        TimelineEvent(time: 258_113, .runFinished(RunFinished(
            status: .interrupted, reason: "the pipeline's timeout of 10m was reached", succeeded: 1, failed: 2,
            cancelled: 3, skipped: 40, reused: 2))),
        TimelineEvent(time: 258_114, .runFinished(RunFinished(
            status: .success, reason: nil, succeeded: 1, failed: 0, cancelled: 0, skipped: 0, reused: 1, upToDate: 7, restored: 2))),
        TimelineEvent(time: 1_000_000, .loopLag(LoopLag(ticks: 1000, maximum: 215, p99: 80))),
        TimelineEvent(time: 1_000_001, .loopStall(LoopStall(duration: 120_000, steps: ["a", "b"]))),
        TimelineEvent(time: 1_000_002, .loopStall(LoopStall(duration: 0, steps: []))),
    ]

    @Test(arguments: events) func eachEventIsWrittenAsJSONEncoderWritesIt(event: TimelineEvent) {
        let written = EventLogFormat.encode([event])
        let reference = EventLogFormat.encodeWithFoundation(event)
        #expect(String(decoding: written, as: UTF8.self) == String(decoding: reference, as: UTF8.self))
    }

    @Test func aBatchIsItsEventsLineAfterLine() throws {
        let batch = EventLogFormat.encode(Self.events)
        let expected = Self.events.flatMap(EventLogFormat.encodeWithFoundation)
        #expect(batch == expected)
        let lines = batch.split(separator: UInt8(ascii: "\n"))
        #expect(lines.count == Self.events.count)
        // And the reader reads every line back to the event it was.
        let decoded = try lines.map { try JSONDecoder().decode(TimelineEvent.self, from: Data($0)) }
        #expect(decoded.map(\.time) == Self.events.map(\.time))
        #expect(decoded[5] == Self.events[5])
    }

    @Test func anOutputJSONCannotSpellStillLeavesAVisibleLine() {
        let event = TimelineEvent(time: 5, .stepFinished(StepFinished(
            step: "x", attempt: 1, lane: "loop", status: .success, exitCode: nil, error: nil, details: nil,
            outputs: ["ratio": .number(.nan)])))
        let lines = EventLogFormat.encode([event, Self.events[2]])
        #expect(String(decoding: lines, as: UTF8.self) == """
            {"event":"unencodable"}
            {"event":"step-queued","step":"greet","t":37}

            """)
    }
}
