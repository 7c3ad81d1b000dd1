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

    /// `--events` may name the log anything; `timeline` reads it by that name.
    @Test func timelineReadsALogWrittenUnderAnyName() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "steps:\n  a: { shell: echo a }\n".write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        #expect(try TaskloopBinary.run(["run", "p.yaml", "--events", "run.log"], in: folder).exitCode == 0)
        let result = try TaskloopBinary.run(["timeline", "run.log"], in: folder)
        #expect(result.exitCode == 0)
        #expect(result.standardOutput.contains("· 1 succeeded"))
    }

    /// What is there but is no log is named for what it is, and a named pipe
    /// is never opened to wait for a writer.
    @Test func timelineSaysWhatAPathIsWhenItIsNoLog() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(mkfifo(folder + "/pipe", 0o600) == 0)
        #expect(mkfifo(folder + "/pipe.jsonl", 0o600) == 0)
        try FileManager.default.createDirectory(atPath: folder + "/empty", withIntermediateDirectories: false)
        let expected = [
            "pipe": "error: cannot read the event log pipe: it is a named pipe (FIFO), not a file; name a run's folder, its events.jsonl, or a run id",
            "pipe.jsonl": "error: cannot read the event log pipe.jsonl: it is a named pipe (FIFO), not a file; name a run's folder, its events.jsonl, or a run id",
            "empty": "error: cannot read the event log empty: it is a folder without an events.jsonl; name a run's folder, its events.jsonl, or a run id",
            "/dev/null": "error: cannot read the event log /dev/null: it is a character device, not a file; name a run's folder, its events.jsonl, or a run id",
        ]
        for (argument, message) in expected {
            let result = try TaskloopBinary.run(["timeline", argument], in: folder, launcher: ["/usr/bin/timeout", "-s", "KILL", "60"])
            #expect(result.exitCode == 2, "\(argument)")
            #expect(result.standardError.hasPrefix(message), "\(argument): \(result.standardError)")
        }
        let missing = try TaskloopBinary.run(["timeline", "nothing-here"], in: folder)
        #expect(missing.exitCode == 2)
        #expect(missing.standardError.hasPrefix("error: no run `nothing-here` in ./.taskloop/runs (it holds no runs)"))
    }
}
