import Foundation
import Testing
@testable import Taskloop

/// A resumed run's log: reused steps are read, shown as reused, and not
/// counted as run; logs written before resuming existed still read.
@Suite struct ReusedStepRenderingTests {
    func record(_ fixture: String) throws -> RunRecord {
        let url = try #require(Bundle.module.url(forResource: fixture, withExtension: "jsonl", subdirectory: "Fixtures"))
        return RunRecord(events: try EventLog.parse(Data(contentsOf: url), path: url.path).events)
    }

    @Test func aReusedStepIsASuccessWithItsOutputsAndTheRunItRanIn() throws {
        let record = try record("resumed-run")
        let compile = try #require(record.steps.first)
        #expect(compile.status == .success)
        #expect(compile.reusedFrom == "20261125-120000-abcd")
        #expect(compile.outputs == ["version": .string("1.4.2")])
        #expect(compile.startedAt == nil && compile.duration == nil)
        #expect(record.started?.resumedFrom == "20261125-120000-abcd")
        #expect(record.started?.steps.map(\.digest) == ["aa", "bb"])
        #expect(record.finished?.reused == 1)
    }

    @Test func theSummaryAndTheGanttShowReusedStepsApart() throws {
        let record = try record("resumed-run")
        let summary = RunSummary(record: record).render()
        #expect(summary.contains("compile  -          -          reused (from run 20261125-120000-abcd)\n"))
        #expect(summary.hasSuffix("· 1 succeeded · 1 reused"))
        let gantt = TextGantt(record: record, width: 60).render()
        #expect(gantt.contains("| reused\n"))
        #expect(gantt.contains("* critical path: test ("))
    }

    @Test func theReportAndTheTraceNameReusedSteps() throws {
        let record = try record("resumed-run")
        let html = HTMLReport(record: record).render()
        #expect(html.contains("resumes run 20261125-120000-abcd"))
        #expect(html.contains("Reused from earlier runs, not run: compile (run 20261125-120000-abcd)"))
        #expect(html.contains("<b>1</b><span>reused</span>"))
        let trace = try #require(try JSONSerialization.jsonObject(with: ChromeTrace(record: record).render()) as? [String: Any])
        let metadata = try #require(trace["metadata"] as? [String: Any])
        #expect(metadata["resumed_from"] as? String == "20261125-120000-abcd")
        #expect(metadata["reused_steps"] as? [String: String] == ["compile": "20261125-120000-abcd"])
        let names = (trace["traceEvents"] as? [[String: Any]] ?? []).filter { $0["ph"] as? String == "X" }.compactMap { $0["name"] as? String }
        #expect(!names.contains("compile"))
    }

    @Test func aLogWithoutTheResumeFieldsStillReads() throws {
        let record = try record("known-run")
        #expect(record.started?.steps.allSatisfy { $0.digest == nil } == true)
        #expect(record.started?.filePath == nil && record.started?.resumedFrom == nil)
        #expect(record.steps.allSatisfy { $0.reusedFrom == nil })
        #expect(record.finished?.reused == nil)
    }

    @Test func ciReportsNameTheRunAReusedStepCameFrom() throws {
        let record = try record("resumed-run")
        let junit = JUnitReport(record: record, outputs: [:]).render()
        #expect(junit.contains("<system-out>reused: this step succeeded in run 20261125-120000-abcd, which --resume reused\n</system-out>"))
        let json = JSONRunResult(record: record, outputs: [:], eventLogPath: "e.jsonl", exitCode: 0).render()
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let steps = try #require(document["steps"] as? [[String: Any]])
        #expect(steps.first?["reused_from"] as? String == "20261125-120000-abcd")
        #expect(steps.first?["status"] as? String == "success")
        #expect(steps.last?["reused_from"] is NSNull)
    }
}
