import Foundation
import Testing
@testable import Taskloop

/// The pictures of a run, drawn from a known event log.
@Suite struct TimelineRenderingTests {
    func knownRecord() throws -> RunRecord {
        let url = try #require(Bundle.module.url(forResource: "known-run", withExtension: "jsonl", subdirectory: "Fixtures"))
        return RunRecord(events: try EventLog.parse(Data(contentsOf: url), path: url.path).events)
    }

    @Test func theCriticalPathFollowsTheLastFinishingNeeds() throws {
        let path = CriticalPath(record: try knownRecord())
        #expect(path.steps == ["wait", "test"])
        #expect(path.length == 1_200_000)
    }

    @Test func theTraceIsWellFormedForPerfetto() throws {
        let data = ChromeTrace(record: try knownRecord()).render()
        let document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let events = try #require(document["traceEvents"] as? [[String: Any]])
        for event in events {
            for field in ["name", "ph", "ts", "pid", "tid"] { #expect(event[field] != nil, "\(field) missing in \(event)") }
        }
        let complete = events.filter { $0["ph"] as? String == "X" }
        #expect(complete.allSatisfy { ($0["dur"] as? Int ?? -1) >= 0 })
        // Every step that ran has a slice, with its status in args.
        let runs = complete.filter { $0["cat"] as? String != "queue" }
        #expect(Set(runs.compactMap { $0["name"] as? String }) == ["compile", "wait", "hash", "test"])
        let test = try #require(runs.first { $0["name"] as? String == "test" })
        let args = try #require(test["args"] as? [String: Any])
        #expect(args["status"] as? String == "failure")
        #expect(args["exit_code"] as? Int == 2)
        #expect(args["error"] as? String == "exited with status 2")
        // No two slices overlap within a lane.
        var byLane: [String: [(Int, Int)]] = [:]
        for slice in complete {
            let key = "\(slice["pid"]!)/\(slice["tid"]!)"
            byLane[key, default: []].append((slice["ts"] as! Int, (slice["ts"] as! Int) + (slice["dur"] as! Int)))
        }
        for (lane, slices) in byLane {
            let sorted = slices.sorted { $0.0 < $1.0 }
            for (previous, next) in zip(sorted, sorted.dropFirst()) { #expect(previous.1 <= next.0, "overlap in lane \(lane)") }
        }
        // Every lane that holds a slice is named; the processes are named.
        let named = Set(events.filter { $0["name"] as? String == "thread_name" }.map { "\($0["pid"]!)/\($0["tid"]!)" })
        #expect(Set(byLane.keys).isSubset(of: named))
        let processes = events.filter { $0["name"] as? String == "process_name" }.compactMap { ($0["args"] as? [String: Any])?["name"] as? String }
        #expect(processes == ["event loop", "worker pool"])
        // The hash step ran on worker 1's lane, in the worker pool's process.
        let hash = try #require(runs.first { $0["name"] as? String == "hash" })
        #expect(hash["pid"] as? Int == ChromeTrace.workerProcess)
        #expect(hash["tid"] as? Int == 1)
        // Counters and the stall instant.
        let counters = Set(events.filter { $0["ph"] as? String == "C" }.compactMap { $0["name"] as? String })
        #expect(counters == ["steps in flight", "steps waiting", "busy workers"])
        #expect(events.contains { $0["ph"] as? String == "i" && ($0["name"] as? String)?.hasPrefix("loop stall 250ms: test") == true })
    }

    /// The trace is written by hand: it must be the compact JSON, keys
    /// sorted, that a JSON library writes of the same document.
    @Test func theTraceIsCompactJSONWithItsKeysSorted() throws {
        let data = ChromeTrace(record: try knownRecord()).render()
        let document = try JSONSerialization.jsonObject(with: data)
        #expect(data == (try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])))
    }

    @Test func theTextGanttDrawsAFixedRun() throws {
        let gantt = TextGantt(record: try knownRecord(), width: 60, style: .plain).render()
        #expect(gantt == """
                    0                               1.20s
            compile |#############                        | success
            wait   *|###############################      | success
            hash    |...#######                           | success
            test   *|                              #######| failure
            deploy  |                                     | skipped
            * critical path: wait -> test (1.20s)
            """)
    }

    @Test func theReportShowsStepsFiguresFailuresAndTheCriticalPath() throws {
        let html = HTMLReport(record: try knownRecord(), workers: 1).render()
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(!html.contains("http://") && !html.contains("https://") && !html.contains("<script src"))
        #expect(html.contains("<b>1.20s</b><span>makespan</span>"))
        #expect(html.contains("<b>1.20s</b><span>critical path (2 steps)</span>"))
        #expect(html.contains("<span>achieved concurrency</span>"))
        #expect(html.contains("<b>17%</b><span>worker utilisation</span>"))
        #expect(html.contains("<b>2ms</b><span>loop lag max (p99 1ms)</span>"))
        #expect(html.contains("<div class=\"failure\"><b>test</b> (line 8) · exited with status 2<pre>assertion failed: 2 == 3</pre></div>"))
        #expect(html.contains("warning: step `test` blocked the event loop for 250ms"))
        // The failure comes before the chart; each step that ran has a bar with its details.
        #expect(html.range(of: "class=\"failure\"")!.lowerBound < html.range(of: "<svg")!.lowerBound)
        for step in ["compile", "wait", "hash", "test"] { #expect(html.contains("<title>\(step) [")) }
        // The critical path is outlined: exactly its two bars carry the class.
        #expect(html.components(separatedBy: " crit\"").count - 1 == 2)
        #expect(html.contains("Its length runs from the run's first start to the end of its last step: 1.20s"))
        #expect(!html.contains("did not finish"))
    }

    @Test func aLogCutBeforeAnyStepFinishedNamesNoCriticalPath() throws {
        let url = try #require(Bundle.module.url(forResource: "known-run", withExtension: "jsonl", subdirectory: "Fixtures"))
        let text = try String(contentsOf: url, encoding: .utf8)
        // The run as a kill -9 during its first steps leaves it: started, nothing finished.
        let lines = text.split(separator: "\n")
            .filter { !$0.contains("\"step-finished\"") && !$0.contains("\"run-finished\"") }
            .joined(separator: "\n") + "\n"
        let record = RunRecord(events: try EventLog.parse(Data(lines.utf8), path: "cut.jsonl").events)
        #expect(!record.steps.contains { $0.status == .success || $0.status == .failure })
        let gantt = TextGantt(record: record, width: 60, style: .plain).render()
        #expect(gantt.contains("compile "))
        #expect(gantt.contains("| interrupted"))
        #expect(!gantt.contains("critical path"))
    }

    @Test func aLogCutShortIsReportedAsUnfinished() throws {
        let url = try #require(Bundle.module.url(forResource: "known-run", withExtension: "jsonl", subdirectory: "Fixtures"))
        let text = try String(contentsOf: url, encoding: .utf8)
        let cut = String(text.prefix(upTo: text.range(of: "{\"event\":\"loop-stall\"")!.lowerBound)) + "{\"attempt\":1,\"det"
        let log = try EventLog.parse(Data(cut.utf8), path: "cut.jsonl")
        #expect(!log.isComplete)
        let record = RunRecord(events: log.events)
        #expect(record.steps.first { $0.id == "test" }?.status == nil)
        let html = HTMLReport(record: record).render()
        #expect(html.contains("This run did not finish"))
        let gantt = TextGantt(record: record, width: 60, style: .plain).render()
        #expect(gantt.contains("test    |                                    #| interrupted"))
        #expect(gantt.contains("deploy  |                                     | not run"))
        // The step that was running when the log ends is shown so, and runs
        // (as does the makespan) to the log's last event.
        let test = try #require(record.steps.first { $0.id == "test" })
        let summary = RunSummary(record: record).render()
        #expect(summary.contains("interrupted (running when the log ends)"))
        #expect(summary.split(separator: "\n").first { $0.hasPrefix("test ") }?.contains("≥") == true)
        let firstStart = try #require(record.steps.compactMap(\.startedAt).min())
        #expect(record.end(of: test) == record.lastEventAt)
        #expect(record.makespan == record.lastEventAt - firstStart)
    }

    @Test func largeRunsAreSummarisedInTheTerminalAndMergedInTheReport() throws {
        var events = [TimelineEvent(time: 0, .runStarted(RunStarted(
            runID: "r", pipeline: "big", file: "big.yaml", startedAt: "", startedAtUnixMicroseconds: 0, parameters: [:],
            host: "h", pid: 1, version: "0", policy: .failFast, ioLimit: 10_000, pools: [:],
            steps: (0..<10_000).map { RunStarted.StepDeclaration(id: StepID("s\($0)"), kind: "sleep", detail: "", needs: $0 == 0 ? [] : [StepID("s\($0 - 1)")], pool: nil, line: $0 + 2, column: 3) })))]
        // A chain of 10,000 steps of 90 µs each, one after the other.
        for index in 0..<10_000 {
            let id = StepID("s\(index)")
            events.append(TimelineEvent(time: Int64(index * 100), .stepStarted(StepStarted(step: id, attempt: 1, lane: "loop"))))
            events.append(TimelineEvent(time: Int64(index * 100 + 90), .stepFinished(StepFinished(step: id, attempt: 1, lane: "loop", status: .success))))
        }
        let record = RunRecord(events: events)
        let text = TextGantt(record: record).render()
        // The run summary lists the slowest steps; the Gantt only adds the critical path.
        #expect(!text.contains("slowest"))
        #expect(text.hasPrefix("critical path (10000 steps, 999ms = 900ms running + 99ms waiting): s0 -> s1 -> s2 -> s3 -> s4 -> … 9990 more … -> s9995"))
        let html = HTMLReport(record: record).render()
        // 10,000 bars of a tenth of a pixel are drawn as far fewer merged ones.
        #expect(html.components(separatedBy: "<rect").count - 1 < 2_000)
        #expect(html.contains(" short steps, "))
    }

    @Test func theFailureSummaryListsFailuresInTheOrderTheyHappened() {
        func finished(_ time: Int64, _ step: StepID, _ status: StepStatus, error: String? = nil, details: [String]? = nil) -> TimelineEvent {
            TimelineEvent(time: time, .stepFinished(StepFinished(
                step: step, attempt: 1, lane: "loop", status: status, exitCode: nil, error: error, details: details, outputs: nil)))
        }
        let declarations = [("late", 2), ("early", 5), ("http", 8), ("stopped", 11)].map { id, line in
            RunStarted.StepDeclaration(id: StepID(id), kind: "shell", detail: "", needs: [], pool: nil, file: nil, line: line, column: 3)
        }
        let started = RunStarted(
            runID: "r", pipeline: "p", file: "ci.yaml", startedAt: "", startedAtUnixMicroseconds: 0, parameters: [:], host: "h",
            pid: 1, version: "0", policy: .keepGoing, ioLimit: 4, pools: [:], steps: declarations)
        var events = [TimelineEvent(time: 0, .runStarted(started))]
        for step in ["late", "early", "http", "stopped"] { events.append(TimelineEvent(time: 1, .stepStarted(StepStarted(step: StepID(step), attempt: 1, lane: "loop")))) }
        events += [
            finished(2_000, "early", .failure, error: "exited with status 1"),
            finished(3_000, "http", .failure, error: "status 500", details: ["{\"error\": \"boom\"}"]),
            finished(4_000, "late", .failure, error: "exited with status 2"),
            finished(4_000, "stopped", .cancelled, error: "cancelled"),
        ]
        let outputs = [
            StepID("early"): CapturedOutput(text: (1...12).map { "line \($0)\n" }.joined()),
            StepID("late"): CapturedOutput(text: "only line\n"),
        ]
        let text = FailureSummary(record: RunRecord(events: events), outputs: outputs).render()
        #expect(text == """
            3 steps failed, in the order they failed:

              ✗ early at ci.yaml:5:3, +2ms
                exited with status 1
            """ + "\n" + (3...12).map { "    │ line \($0)" }.joined(separator: "\n") + """

            
              ✗ http at ci.yaml:8:3, +3ms
                status 500
                │ {"error": "boom"}

              ✗ late at ci.yaml:2:3, +4ms
                exited with status 2
                │ only line

            Cancelled: stopped (after the first failure)
            """)
        #expect(FailureSummary(record: RunRecord(events: Array(events.prefix(5)))).render() == "")
    }
}
