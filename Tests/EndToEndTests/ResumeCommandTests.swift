import Foundation
import Taskloop
import Testing

/// `taskloop run --resume`: rerun what did not succeed, reuse the rest.
@Suite(.serialized) struct ResumeCommandTests {
    /// `version` publishes its shell's pid (different in every run); `check`
    /// fails until `ready.txt` exists; `after` fails until `after-ok.txt`
    /// exists; every step that runs appends its name to `ran.txt`.
    let pipeline = """
        steps:
          version:
            shell: |
              echo version >> ran.txt
              echo "version=$$" >> "$TASKLOOP_OUTPUT"
          check:
            needs: version
            env: { VERSION: "${{ steps.version.outputs.version }}" }
            shell: |
              echo check >> ran.txt
              test -f ready.txt || exit 1
              echo "$VERSION" > check-saw.txt
          after:
            needs: check
            env: { VERSION: "${{ steps.version.outputs.version }}" }
            shell: |
              echo after >> ran.txt
              test -f after-ok.txt || exit 1
              echo "$VERSION" > after-saw.txt
          independent:
            shell: echo independent >> ran.txt
        """

    func setUp() throws -> String {
        let folder = try makeScratchFolder()
        try pipeline.write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        return folder
    }

    func read(_ file: String, in folder: String) -> String {
        (try? String(contentsOfFile: folder + "/" + file, encoding: .utf8)) ?? ""
    }

    /// The ids of the runs logged in `folder`.
    func runIDs(in folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder + "/.taskloop/runs").sorted()
    }

    /// The one run logged in `folder` that is not among `known` (ids of runs
    /// started within one second do not sort by start).
    func newRun(in folder: String, besides known: [String]) throws -> String {
        let new = try runIDs(in: folder).filter { !known.contains($0) }
        #expect(new.count == 1)
        return try #require(new.first)
    }

    func events(of runID: String, in folder: String) throws -> [TimelineEvent] {
        try EventLog.read(path: folder + "/.taskloop/runs/\(runID)/events.jsonl").events
    }

    /// The first run: `check` fails, `after` is skipped; with --keep-going,
    /// `version` and `independent` succeed. Returns its run id and `version`'s output.
    func failingFirstRun(in folder: String) throws -> (runID: String, version: String) {
        let first = try TaskloopBinary.run(["run", "p.yaml", "--keep-going"], in: folder)
        #expect(first.exitCode == 1)
        #expect(read("ran.txt", in: folder).split(separator: "\n").sorted() == ["check", "independent", "version"])
        let runID = try #require(try runIDs(in: folder).last)
        let version = try events(of: runID, in: folder).compactMap { event -> String? in
            guard case .stepFinished(let finished) = event.payload, finished.step == "version" else { return nil }
            return finished.outputs?["version"]?.description
        }.first
        return (runID, try #require(version))
    }

    @Test func resumeRerunsOnlyTheFailedStepAndItsDependentsWithTheReusedOutputs() throws {
        let folder = try setUp()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (firstID, version) = try failingFirstRun(in: folder)
        try "".write(toFile: folder + "/ready.txt", atomically: true, encoding: .utf8)
        try "".write(toFile: folder + "/after-ok.txt", atomically: true, encoding: .utf8)
        try "".write(toFile: folder + "/ran.txt", atomically: true, encoding: .utf8)

        let resumed = try TaskloopBinary.run(["run", "p.yaml", "--resume"], in: folder)
        #expect(resumed.exitCode == 0, "\(resumed.standardOutput)\(resumed.standardError)")
        #expect(read("ran.txt", in: folder) == "check\nafter\n")
        #expect(read("check-saw.txt", in: folder) == version + "\n")
        #expect(read("after-saw.txt", in: folder) == version + "\n")
        #expect(resumed.standardOutput.contains("[version] reused from run \(firstID)\n"))
        #expect(resumed.standardOutput.contains("[independent] reused from run \(firstID)\n"))
        #expect(resumed.standardOutput.contains("· 2 succeeded · 2 reused"))
        #expect(resumed.standardOutput.contains("reused (from run \(firstID))"))

        let resumedID = try newRun(in: folder, besides: [firstID])
        let log = try events(of: resumedID, in: folder)
        guard case .runStarted(let started) = log.first?.payload else {
            Issue.record("no run-started")
            return
        }
        #expect(started.resumedFrom == firstID)
        #expect(started.steps.allSatisfy { $0.digest?.count == 64 })
        let reused = log.compactMap { event -> StepReused? in
            if case .stepReused(let reused) = event.payload { return reused }
            return nil
        }
        #expect(reused.map(\.step) == ["version", "independent"])
        #expect(reused.allSatisfy { $0.fromRun == firstID })
        #expect(reused.first?.outputs?["version"]?.description == version)
        guard case .runFinished(let finished) = log.last?.payload else {
            Issue.record("no run-finished")
            return
        }
        #expect(finished.succeeded == 2 && finished.reused == 2 && finished.skipped == 0)

        let timeline = try TaskloopBinary.run(["timeline", ".taskloop/runs/\(resumedID)/events.jsonl"], in: folder)
        #expect(timeline.exitCode == 0)
        #expect(timeline.standardOutput.contains("· 2 succeeded · 2 reused"))
    }

    @Test func aResumedRunCanBeResumedAndKeepsWhereEachStepRan() throws {
        let folder = try setUp()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (firstID, version) = try failingFirstRun(in: folder)
        try "".write(toFile: folder + "/ready.txt", atomically: true, encoding: .utf8)

        // The second run names the first explicitly; `after` still fails.
        let second = try TaskloopBinary.run(["run", "p.yaml", "--resume", firstID], in: folder)
        #expect(second.exitCode == 1)
        #expect(second.standardOutput.contains("[after] FAILED"))
        let secondID = try newRun(in: folder, besides: [firstID])

        try "".write(toFile: folder + "/after-ok.txt", atomically: true, encoding: .utf8)
        try "".write(toFile: folder + "/ran.txt", atomically: true, encoding: .utf8)
        let third = try TaskloopBinary.run(["run", "p.yaml", "--resume"], in: folder)
        #expect(third.exitCode == 0, "\(third.standardOutput)\(third.standardError)")
        #expect(read("ran.txt", in: folder) == "after\n")
        #expect(read("after-saw.txt", in: folder) == version + "\n")
        #expect(third.standardOutput.contains("[version] reused from run \(firstID)\n"))
        #expect(third.standardOutput.contains("[check] reused from run \(secondID)\n"))
        let thirdID = try newRun(in: folder, besides: [firstID, secondID])
        guard case .runStarted(let started) = try events(of: thirdID, in: folder).first?.payload else {
            Issue.record("no run-started")
            return
        }
        #expect(started.resumedFrom == secondID)
    }

    @Test func resumeIsRefusedWhenAStepToReuseChanged() throws {
        let folder = try setUp()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (firstID, _) = try failingFirstRun(in: folder)
        try pipeline.replacingOccurrences(of: "echo version >> ran.txt", with: "echo v2 >> ran.txt")
            .write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        try "".write(toFile: folder + "/ran.txt", atomically: true, encoding: .utf8)
        let refused = try TaskloopBinary.run(["run", "p.yaml", "--resume"], in: folder)
        #expect(refused.exitCode == 2)
        #expect(refused.standardError == """
            p.yaml:2:3: error: cannot resume run \(firstID): step `version` succeeded there and would be reused, \
            but its definition has changed since that run; run without --resume to run everything again, or revert the change to `version`

            """)
        #expect(read("ran.txt", in: folder) == "")
        #expect(try runIDs(in: folder).count == 1)
    }

    @Test func resumeIsRefusedWhenAParameterDiffers() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try """
            params: { target: debug }
            steps:
              one: { shell: echo one }
              two: { needs: one, shell: "exit 1" }
            """.write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        let first = try TaskloopBinary.run(["run", "p.yaml"], in: folder)
        #expect(first.exitCode == 1)
        let firstID = try #require(try runIDs(in: folder).last)
        let refused = try TaskloopBinary.run(["run", "p.yaml", "--param", "target=release", "--resume"], in: folder)
        #expect(refused.exitCode == 2)
        #expect(refused.standardError == """
            error: cannot resume run \(firstID): parameter `target` was `debug` there and is `release` now; \
            pass --param target=debug to resume it, or run without --resume

            """)
    }

    @Test func resumeSaysSoWhenThereIsNothingToRedo() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "steps:\n  one: { shell: echo one >> ran.txt }\n".write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        #expect(try TaskloopBinary.run(["run", "p.yaml"], in: folder).exitCode == 0)
        let firstID = try #require(try runIDs(in: folder).last)
        let resumed = try TaskloopBinary.run(["run", "p.yaml", "--resume=\(firstID)"], in: folder)
        #expect(resumed.exitCode == 0)
        #expect(resumed.standardOutput == "nothing to resume: every step of run \(firstID) that this run needs succeeded; run without --resume to run them again\n")
        #expect(read("ran.txt", in: folder) == "one\n")
        #expect(try runIDs(in: folder).count == 1)
        let latest = try TaskloopBinary.run(["run", "p.yaml", "--resume=last", "--dry-run"], in: folder)
        #expect(latest.exitCode == 0)
        #expect(latest.standardOutput.hasPrefix("nothing to resume: every step of run \(firstID) "))
    }

    @Test func resumeRefusesUnknownRunsAndRunsOfOtherFiles() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "steps:\n  one: { shell: \"exit 1\" }\n".write(toFile: folder + "/a.yaml", atomically: true, encoding: .utf8)
        try "steps:\n  one: { shell: \"exit 1\" }\n".write(toFile: folder + "/b.yaml", atomically: true, encoding: .utf8)
        #expect(try TaskloopBinary.run(["run", "a.yaml"], in: folder).exitCode == 1)
        let aID = try #require(try runIDs(in: folder).last)

        let none = try TaskloopBinary.run(["run", "b.yaml", "--resume"], in: folder)
        #expect(none.exitCode == 2)
        #expect(none.standardError == "error: no earlier run of b.yaml to resume: ./.taskloop/runs holds none; run without --resume\n")

        let other = try TaskloopBinary.run(["run", "b.yaml", "--resume", aID], in: folder)
        #expect(other.exitCode == 2)
        #expect(other.standardError.contains("error: cannot resume run \(aID) with b.yaml: it ran "))
        #expect(other.standardError.contains("/a.yaml; resume it with `taskloop run "))

        let unknown = try TaskloopBinary.run(["run", "a.yaml", "--resume", "20990101-000000-beef"], in: folder)
        #expect(unknown.exitCode == 2)
        #expect(unknown.standardError == "error: no run `20990101-000000-beef` in ./.taskloop/runs (the latest are \(aID)); name a run id from there, or an events.jsonl path\n")

        try "not a log\n".write(toFile: folder + "/bad.jsonl", atomically: true, encoding: .utf8)
        let unreadable = try TaskloopBinary.run(["run", "a.yaml", "--resume", "bad.jsonl"], in: folder)
        #expect(unreadable.exitCode == 2)
        #expect(unreadable.standardError.contains("error: cannot resume: bad.jsonl:1: not a Taskloop event log"))

        try "{\"format\":\"taskloop-events\",\"version\":1}\n".write(toFile: folder + "/empty.jsonl", atomically: true, encoding: .utf8)
        let empty = try TaskloopBinary.run(["run", "a.yaml", "--resume", "empty.jsonl"], in: folder)
        #expect(empty.exitCode == 2)
        #expect(empty.standardError.contains("error: cannot resume from empty.jsonl: the log has no run-started event"))
    }

    @Test func resumeFromALogWrittenWithEvents() throws {
        let folder = try setUp()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let first = try TaskloopBinary.run(["run", "p.yaml", "--keep-going", "--events", "logs/first.jsonl"], in: folder)
        #expect(first.exitCode == 1)
        try "".write(toFile: folder + "/ready.txt", atomically: true, encoding: .utf8)
        try "".write(toFile: folder + "/after-ok.txt", atomically: true, encoding: .utf8)
        try "".write(toFile: folder + "/ran.txt", atomically: true, encoding: .utf8)
        let resumed = try TaskloopBinary.run(["run", "p.yaml", "--resume", "logs/first.jsonl"], in: folder)
        #expect(resumed.exitCode == 0, "\(resumed.standardOutput)\(resumed.standardError)")
        #expect(read("ran.txt", in: folder) == "check\nafter\n")
    }

    @Test func aBareResumeBeforeAStepNameResumesTheLatestRunAndSelectsTheStep() throws {
        let folder = try setUp()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (firstID, _) = try failingFirstRun(in: folder)
        try "".write(toFile: folder + "/ready.txt", atomically: true, encoding: .utf8)
        try "".write(toFile: folder + "/ran.txt", atomically: true, encoding: .utf8)
        let resumed = try TaskloopBinary.run(["run", "p.yaml", "--resume", "check"], in: folder)
        #expect(resumed.exitCode == 0, "\(resumed.standardOutput)\(resumed.standardError)")
        #expect(read("ran.txt", in: folder) == "check\n")
        #expect(resumed.standardOutput.contains("[version] reused from run \(firstID)\n"))
        #expect(resumed.standardOutput.contains("[after] skipped: not selected\n"))
    }
}
