import Foundation
import Taskloop
import TaskloopTestServer
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The event log as a file: appended to with `--events`, complete or reported
/// incomplete on a full disk, and found by `timeline` from a folder or a run id.
@Suite(.serialized) struct EventLogFileTests {
    @Test func eventsToAnExistingLogAppendTheRunWithItsOwnHeader() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "steps:\n  a: { shell: echo a }\n".write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        let first = try TaskloopBinary.run(["run", "p.yaml", "--events", "logs/all.jsonl"], in: folder)
        let second = try TaskloopBinary.run(["run", "p.yaml", "--events", "logs/all.jsonl"], in: folder)
        #expect(first.exitCode == 0)
        #expect(second.exitCode == 0, "\(second.standardError)")
        let text = try String(contentsOfFile: folder + "/logs/all.jsonl", encoding: .utf8)
        #expect(text.components(separatedBy: #"{"format":"taskloop-events","version":\#(EventLogFormat.version)}"#).count - 1 == 2)
        #expect(text.components(separatedBy: #""event":"run-finished""#).count - 1 == 2)
        let timeline = try TaskloopBinary.run(["timeline", "logs/all.jsonl"], in: folder)
        #expect(timeline.exitCode == 0)
        #expect(timeline.standardOutput.contains("· 1 succeeded"))
        #expect(timeline.standardOutput.contains("note: the file holds 2 runs (--events appends); this is the last"))
        // A resume reads the last run of the file.
        let resume = try TaskloopBinary.run(["run", "p.yaml", "--resume", "logs/all.jsonl"], in: folder)
        #expect(resume.exitCode == 0)
        #expect(resume.standardOutput.contains("nothing to resume"))
    }

    @Test func aShellStepWhoseOutputFileCannotBeMadeFailsNamingThePathAndTheReason() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "steps:\n  a: { shell: echo a }\n".write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        // The run's folder is the log's; a file where its `outputs` folder goes.
        try FileManager.default.createDirectory(atPath: folder + "/logs", withIntermediateDirectories: true)
        try "in the way\n".write(toFile: folder + "/logs/outputs", atomically: true, encoding: .utf8)
        let run = try TaskloopBinary.run(["run", "p.yaml", "--events", "logs/events.jsonl"], in: folder)
        #expect(run.exitCode == 1)
        #expect(run.standardOutput.contains("cannot create the output file \(folder)/logs/outputs/"), "\(run.standardOutput)")
        #expect(run.standardOutput.contains(": Not a directory"), "\(run.standardOutput)")
        #expect(try String(contentsOfFile: folder + "/logs/outputs", encoding: .utf8) == "in the way\n")
    }

    @Test func eventsToAFileThatIsNotALogAreRefusedAndTheFileKept() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "steps:\n  a: { shell: echo a }\n".write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        try "my notes\n".write(toFile: folder + "/notes.txt", atomically: true, encoding: .utf8)
        let run = try TaskloopBinary.run(["run", "p.yaml", "--events", "notes.txt"], in: folder)
        #expect(run.exitCode != 0)
        #expect(run.standardError.contains("cannot log the run to notes.txt: the file exists and is not a Taskloop event log; choose another place with --events PATH"))
        #expect(try String(contentsOfFile: folder + "/notes.txt", encoding: .utf8) == "my notes\n")
    }

    @Test func eventsToANamedPipeAreRefusedAndLogsToDevNullRun() throws {
        // Nobody reads the pipe: once its buffer filled, the run hung at its end.
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var yaml = "steps:\n"
        for index in 0..<1_000 { yaml += "  s\(index): { sleep: 0s }\n" }
        try yaml.write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        #expect(mkfifo(folder + "/events.pipe", 0o600) == 0)
        let timeout = ["/usr/bin/timeout", "-s", "KILL", "60"]
        let refused = try TaskloopBinary.run(["run", "p.yaml", "--events", "events.pipe"], in: folder, launcher: timeout)
        #expect(refused.exitCode == 1)
        #expect(refused.standardError.contains(
            "cannot log the run to events.pipe: it is a named pipe (FIFO), whose writes wait for a reader; choose a file with --events PATH"),
            "\(refused.standardError)")
        let discarded = try TaskloopBinary.run(["run", "p.yaml", "--events", "/dev/null"], in: folder, launcher: timeout)
        #expect(discarded.exitCode == 0, "\(discarded.standardError)")
    }

    @Test(.enabled(if: SmallDisk.isAvailable, Comment(rawValue: SmallDisk.unavailableReason)))
    func aLogThatFillsTheDiskFailsTheRunAndEndsAtAWholeLine() throws {
        let disk = try #require(SmallDisk(bytes: 1 << 20))
        defer { disk.unmount() }
        // Room for the header and run-started (some 100 KB), not for every event.
        disk.fill(leaving: 160 * 1024)
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var yaml = "steps:\n"
        for index in 0..<600 { yaml += "  step-\(index): { sleep: 1ms }\n" }
        try yaml.write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        let log = disk.path + "/events.jsonl"
        let run = try TaskloopBinary.run(["run", "p.yaml", "--events", log], in: folder)
        #expect(run.exitCode == 1)
        #expect(run.standardError.contains("error: the event log \(log) is incomplete: No space left on device"))
        let bytes = try Data(contentsOf: URL(fileURLWithPath: log))
        #expect(bytes.last == UInt8(ascii: "\n"))
        let read = try EventLog.read(path: log)
        #expect(!read.cutLastLine)
        #expect(!read.isComplete)
        guard case .runStarted = read.events.first?.payload else {
            Issue.record("the log lacks run-started: \(bytes.count) bytes")
            return
        }
        #expect(read.events.count > 1)
        let timeline = try TaskloopBinary.run(["timeline", log], in: folder)
        #expect(timeline.exitCode == 0)
        #expect(timeline.standardOutput.contains("note: this run did not finish"))
    }

    @Test func timelineTakesARunFolderOrARunIDAsResumeDoes() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "steps:\n  a: { shell: echo a }\n".write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        let run = try TaskloopBinary.run(["run", "p.yaml"], in: folder)
        #expect(run.exitCode == 0)
        let runID = try #require(try FileManager.default.contentsOfDirectory(atPath: folder + "/.taskloop/runs").first)
        for argument in [".taskloop/runs/\(runID)", ".taskloop/runs/\(runID)/", runID, ".taskloop/runs/\(runID)/events.jsonl"] {
            let timeline = try TaskloopBinary.run(["timeline", argument], in: folder)
            #expect(timeline.exitCode == 0, "\(argument): \(timeline.standardError)")
            #expect(timeline.standardOutput.contains("· 1 succeeded"), "\(argument)")
        }
        let unknown = try TaskloopBinary.run(["timeline", "20200101-000000-abcd"], in: folder)
        #expect(unknown.exitCode == 2)
        #expect(unknown.standardError.contains("error: no run `20200101-000000-abcd` in ./.taskloop/runs (the latest are \(runID))"))
        try FileManager.default.createDirectory(atPath: folder + "/empty", withIntermediateDirectories: true)
        let notALog = try TaskloopBinary.run(["timeline", "empty"], in: folder)
        #expect(notALog.exitCode == 2)
        #expect(!notALog.standardError.contains("NSCocoaErrorDomain"))
    }

    @Test func aStepRunningWhenTheRunIsKilledShowsAsInterrupted() async throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try """
            steps:
              quick: { shell: echo quick }
              long: { needs: quick, sleep: 60s }
            """.write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        let running = try TaskloopBinary.start(["run", "p.yaml", "--events", "events.jsonl"], in: folder)
        for _ in 0..<200 {
            let text = (try? String(contentsOfFile: folder + "/events.jsonl", encoding: .utf8)) ?? ""
            if text.contains(#""step":"long""#) && text.contains("step-started") && text.components(separatedBy: "step-started").count > 2 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        try await Task.sleep(for: .milliseconds(300))
        running.signal(SIGKILL)
        _ = running.finish()
        let timeline = try TaskloopBinary.run(["timeline", "events.jsonl"], in: folder)
        #expect(timeline.exitCode == 0)
        let row = timeline.standardOutput.split(separator: "\n").first { $0.hasPrefix("long ") }
        #expect(row?.hasSuffix("interrupted (running when the log ends)") == true, "\(timeline.standardOutput)")
        #expect(timeline.standardOutput.contains("| interrupted"))
    }

    @Test func idsThatNeedEscapingInFileNamesRun() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let longID = String(repeating: "very-long-step-id.", count: 15)
        #expect(longID.count > 250)
        try """
            steps:
              build:
                matrix: { platform: [linux/amd64, linux/arm64] }
                shell: echo "target=${{ matrix.platform }}" >> "$TASKLOOP_OUTPUT"
              \(longID):
                shell: echo "size=big" >> "$TASKLOOP_OUTPUT"
              show:
                needs: [build, \(longID)]
                env:
                  TARGET: ${{ steps['build[platform=linux/amd64]'].outputs.target }}
                  SIZE: ${{ steps['\(longID)'].outputs.size }}
                shell: echo "$TARGET $SIZE"
            """.write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        let run = try TaskloopBinary.run(["run", "p.yaml", "--progress", "plain"], in: folder)
        #expect(run.exitCode == 0, "\(run.standardOutput)\(run.standardError)")
        #expect(run.standardOutput.contains("[show] linux/amd64 big"))
    }
}
