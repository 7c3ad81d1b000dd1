import Foundation
import Testing
@testable import Taskloop

@Suite(.serialized) struct EventLogTests {
    @Test func theFirstLineNamesTheFormatAndEveryEventFollowsInOrder() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              a: { sleep: 10ms }
              b: { needs: a, shell: exit 2 }
              c: { needs: b, shell: echo never }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let text = try String(contentsOfFile: report.eventLogPath, encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(lines.first == #"{"format":"taskloop-events","version":3}"#)
        #expect(report.eventLogPath.hasPrefix(folder + "/.taskloop/runs/\(report.runID)/"))

        let log = try EventLog.read(path: report.eventLogPath)
        #expect(log.isComplete)
        // The loop-lag series comes and goes with timing; the steps' events do not.
        let names = log.events.compactMap { event -> String? in
            switch event.payload {
            case .loopLag, .loopStall: return nil
            case .runStarted: return "run-started"
            case .stepQueued(let e): return "queued \(e.step)"
            case .stepStarted(let e): return "started \(e.step)"
            case .stepRunning(let e): return "running \(e.step)"
            case .stepFinished(let e): return "finished \(e.step) \(e.status.rawValue)"
            case .stepSkipped(let e): return "skipped \(e.step)"
            case .stepReused(let e): return "reused \(e.step)"
            case .stepChecked(let e): return "checked \(e.step) \(e.outcome.rawValue)"
            case .runFinished(let e): return "run-finished \(e.status.rawValue)"
            }
        }
        #expect(names == [
            "run-started", "queued a", "started a", "finished a success", "queued b", "started b",
            "finished b failure", "skipped c", "run-finished failure",
        ])
        let times = log.events.map(\.time)
        #expect(times == times.sorted())
        guard case .runStarted(let started) = log.events.first?.payload else {
            Issue.record("no run-started event")
            return
        }
        #expect(started.steps.map(\.id) == ["a", "b", "c"])
        #expect(started.steps[2].needs == ["b"])
        #expect(started.steps[1].detail == "exit 2")
        #expect(started.steps[1].line == 3)
        #expect(started.pid == getpid())
        guard case .stepFinished(let finished) = log.events.filter({ if case .stepFinished = $0.payload { return true }; return false })[1].payload else {
            Issue.record("expected step-finished of b")
            return
        }
        #expect(finished.exitCode == 2)
        #expect(finished.lane == "loop")
        #expect(finished.error == "exited with status 2")
    }

    @Test func stepsThatMayFailAreMarkedInRunStartedAndTheRecord() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              a: { shell: exit 3, continue-on-error: true }
              b: { needs: a, shell: "true" }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let text = try String(contentsOfFile: report.eventLogPath, encoding: .utf8)
        let runStarted = try #require(text.split(separator: "\n").first { $0.contains("\"run-started\"") })
        #expect(runStarted.contains(#""column":3,"continue_on_error":true,"detail":"exit 3""#))
        #expect(runStarted.components(separatedBy: "continue_on_error").count == 2)
        let record = RunRecord(events: try EventLog.read(path: report.eventLogPath).events)
        #expect(record.steps.map(\.continueOnError) == [true, false])
        #expect(report.record.steps.map(\.continueOnError) == [true, false])
        #expect(report.status == .success)
    }

    @Test func aLogCutOffMidLineIsReadUpToItsLastCompleteLine() throws {
        let header = #"{"format":"taskloop-events","version":1}"#
        let queued = #"{"event":"step-queued","step":"a","t":5}"#
        let text = header + "\n" + queued + "\n" + #"{"event":"step-sta"#
        let log = try EventLog.parse(Data(text.utf8), path: "events.jsonl")
        #expect(log.events == [TimelineEvent(time: 5, .stepQueued(StepQueued(step: "a")))])
        #expect(!log.isComplete)
    }

    @Test func aCutLastLineIsNoted() throws {
        let header = #"{"format":"taskloop-events","version":1}"#
        let whole = try EventLog.parse(Data((header + "\n").utf8), path: "events.jsonl")
        #expect(!whole.cutLastLine)
        #expect(whole.notes.isEmpty)
        let cut = try EventLog.parse(Data((header + "\n" + #"{"event":"step-sta"#).utf8), path: "events.jsonl")
        #expect(cut.cutLastLine)
        #expect(cut.notes == ["note: the log's last line was cut off (the run was killed while writing it, or the disk was full); it was left out"])
    }

    @Test func aFileOfSeveralRunsReadsAsItsLastRun() throws {
        let header = #"{"format":"taskloop-events","version":1}"#
        let first = #"{"event":"step-queued","step":"a","t":5}"#
        let second = #"{"event":"step-queued","step":"b","t":7}"#
        let text = [header, first, header, second].joined(separator: "\n") + "\n"
        let log = try EventLog.parse(Data(text.utf8), path: "events.jsonl")
        #expect(log.events == [TimelineEvent(time: 7, .stepQueued(StepQueued(step: "b")))])
        #expect(log.earlierRuns == 1)
        #expect(log.notes == ["note: the file holds 2 runs (--events appends); this is the last"])
    }

    @Test func anotherVersionIsRefusedWithAClearMessage() {
        let text = #"{"format":"taskloop-events","version":9}"# + "\n"
        #expect(throws: EventLogError.unsupportedVersion(path: "old.jsonl", version: 9)) {
            try EventLog.parse(Data(text.utf8), path: "old.jsonl")
        }
        #expect(EventLogError.unsupportedVersion(path: "old.jsonl", version: 9).description.contains("this Taskloop reads versions 1 to 3"))
    }

    @Test func aFileThatIsNotAnEventLogIsRefused() {
        #expect(throws: EventLogError.notAnEventLog(path: "x.json")) {
            try EventLog.parse(Data("hello\n".utf8), path: "x.json")
        }
    }

    @Test func theSummaryListsStepsAndFigures() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              one: { sleep: 100ms }
              two: { sleep: 100ms }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let summary = RunSummary(record: report.record).render()
        let lines = summary.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0].hasPrefix("step"))
        #expect(lines[1].hasPrefix("one "))
        #expect(lines[1].hasSuffix("success"))
        #expect(summary.contains("· 2 succeeded"))
        // Two 100 ms sleeps side by side: about two steps in flight.
        #expect(report.record.achievedConcurrency > 1.5)
    }
}
