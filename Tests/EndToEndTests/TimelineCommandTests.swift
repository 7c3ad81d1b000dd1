import Foundation
import Taskloop
import Testing

@Suite(.serialized) struct TimelineCommandTests {
    @Test func runWritesATraceAndAReportAndTimelineRedrawsThem() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try """
            steps:
              a: { sleep: 50ms }
              b: { needs: a, shell: echo b }
            """.write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        let run = try TaskloopBinary.run(
            ["run", "p.yaml", "--events", "events.jsonl", "--trace", "trace.json", "--report", "report.html"], in: folder)
        #expect(run.exitCode == 0)
        #expect(run.standardOutput.contains("* critical path: a -> b ("))
        #expect(run.standardOutput.contains("trace: trace.json (open it in ui.perfetto.dev)\nreport: report.html\n"))
        let trace = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/trace.json"))) as? [String: Any]
        #expect((trace?["traceEvents"] as? [Any])?.isEmpty == false)
        #expect(try String(contentsOfFile: folder + "/report.html", encoding: .utf8).contains("<title>b [shell] ok\n"))

        let again = try TaskloopBinary.run(["timeline", "events.jsonl", "--report", "again.html"], in: folder)
        #expect(again.exitCode == 0)
        #expect(again.standardOutput.contains("· 2 succeeded"))
        #expect(again.standardOutput.contains("* critical path: a -> b ("))
        #expect(FileManager.default.fileExists(atPath: folder + "/again.html"))
    }

    @Test func timelineReadsTheLogOfAKilledRun() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let header = #"{"format":"taskloop-events","version":1}"#
        let started = #"{"event":"run-started","file":"k.yaml","host":"h","io_limit":256,"parameters":{},"pid":1,"pipeline":"k","policy":"fail-fast","pools":{},"run_id":"r","started_at":"","started_at_unix_us":0,"steps":[{"column":3,"detail":"sleep","id":"a","kind":"sleep","line":2,"needs":[]}],"t":0,"version":"0.1.0"}"#
        let begun = #"{"attempt":1,"event":"step-started","lane":"loop","step":"a","t":10}"#
        try (header + "\n" + started + "\n" + begun + "\n" + #"{"attempt":1,"ev"#).write(toFile: folder + "/events.jsonl", atomically: true, encoding: .utf8)
        let result = try TaskloopBinary.run(["timeline", "events.jsonl", "--report", "r.html"], in: folder)
        #expect(result.exitCode == 0)
        #expect(result.standardOutput.contains("note: this run did not finish"))
        #expect(try String(contentsOfFile: folder + "/r.html", encoding: .utf8).contains("This run did not finish"))
    }

    @Test func timelineRefusesWhatIsNotAnEventLog() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "hello\n".write(toFile: folder + "/x.jsonl", atomically: true, encoding: .utf8)
        let result = try TaskloopBinary.run(["timeline", "x.jsonl"], in: folder)
        #expect(result.exitCode == 2)
        #expect(result.standardError.contains("x.jsonl:1: not a Taskloop event log"))
    }
}
