import Foundation
import Testing
@testable import Taskloop

/// A step whose Slurm job waited in the queue: the wait is drawn apart from
/// the run in every picture of the run, and counted apart on the critical path.
@Suite struct ExecutorQueueRenderingTests {
    /// `build` on Slurm: started at 10 µs, its job queued until 2 s, then ran
    /// for 1 s; `report` after it, on this machine.
    static let events: [TimelineEvent] = [
        TimelineEvent(time: 0, .runStarted(RunStarted(
            runID: "r", pipeline: "p", file: "p.yaml", startedAt: "", startedAtUnixMicroseconds: 0, parameters: [:],
            host: "h", pid: 1, version: "v", policy: .failFast, ioLimit: 256, pools: [:],
            steps: [
                .init(id: "build", kind: "shell", detail: "make", needs: [], pool: nil, file: nil, line: 3, column: 3, continueOnError: nil, digest: nil),
                .init(id: "report", kind: "shell", detail: "echo", needs: ["build"], pool: nil, file: nil, line: 4, column: 3, continueOnError: nil, digest: nil),
            ]))),
        TimelineEvent(time: 5, .stepQueued(StepQueued(step: "build"))),
        TimelineEvent(time: 10, .stepStarted(StepStarted(step: "build", attempt: 1, lane: "slurm"))),
        TimelineEvent(time: 2_000_010, .stepRunning(StepRunning(step: "build", attempt: 1, lane: "vm · job 12", queue: "slurm"))),
        TimelineEvent(time: 3_000_010, .stepFinished(StepFinished(
            step: "build", attempt: 1, lane: "vm · job 12", status: .success, exitCode: 0, error: nil, details: nil, outputs: nil))),
        TimelineEvent(time: 3_000_100, .stepQueued(StepQueued(step: "report"))),
        TimelineEvent(time: 3_000_110, .stepStarted(StepStarted(step: "report", attempt: 1, lane: "loop"))),
        TimelineEvent(time: 3_500_110, .stepFinished(StepFinished(
            step: "report", attempt: 1, lane: "loop", status: .success, exitCode: 0, error: nil, details: nil, outputs: nil))),
        TimelineEvent(time: 3_500_200, .runFinished(RunFinished(status: .success, reason: nil, succeeded: 2, failed: 0, cancelled: 0, skipped: 0))),
    ]

    static var record: RunRecord { RunRecord(events: events) }

    @Test func theRecordKeepsTheWaitInsideTheStepsTime() throws {
        let build = try #require(Self.record.steps.first { $0.id == "build" })
        #expect(build.runningAt == 2_000_010)
        #expect(build.executorQueue == "slurm")
        #expect(build.executorQueueWait == 2_000_000)
        #expect(build.duration == 3_000_000)
        #expect(build.lane == "vm · job 12")
        #expect(Self.record.steps.first { $0.id == "report" }?.executorQueueWait == nil)
    }

    @Test func aStepRunningEventOfAnotherAttemptIsIgnored() throws {
        var events = Self.events
        events[3] = TimelineEvent(time: 2_000_010, .stepRunning(StepRunning(step: "build", attempt: 2, lane: "vm · job 13", queue: "slurm")))
        let build = try #require(RunRecord(events: events).steps.first { $0.id == "build" })
        // Its own attempt never said it started: it counts as queued throughout.
        #expect(build.runningAt == nil && build.executorQueueWait == build.duration)
    }

    @Test func theCriticalPathCountsTheQueueApart() {
        let path = CriticalPath(record: Self.record)
        #expect(path.steps == ["build", "report"])
        #expect(path.executorQueueTime == 2_000_000)
        #expect(path.runTime == 1_500_000)
        #expect(path.breakdown.hasPrefix("3.50s = 1.50s running + 2.00s queued in Slurm"), "\(path.breakdown)")
    }

    @Test func theTraceHasAQueuedSliceBeforeTheRunOnTheSameLane() throws {
        let document = try #require(try JSONSerialization.jsonObject(with: ChromeTrace(record: Self.record).render()) as? [String: Any])
        let slices = try #require(document["traceEvents"] as? [[String: Any]]).filter { $0["ph"] as? String == "X" }
        let queued = try #require(slices.first { $0["name"] as? String == "build (queued in Slurm)" })
        let run = try #require(slices.first { $0["name"] as? String == "build" })
        #expect(queued["cat"] as? String == "slurm-queue")
        #expect(queued["ts"] as? Int == 10 && queued["dur"] as? Int == 2_000_000)
        #expect(run["ts"] as? Int == 2_000_010 && run["dur"] as? Int == 1_000_000)
        #expect(queued["tid"] as? Int == run["tid"] as? Int && queued["pid"] as? Int == run["pid"] as? Int)
        #expect((run["args"] as? [String: Any])?["queued_in_slurm_us"] as? Int == 2_000_000)
        // While queued in Slurm a step counts as waiting, not in flight.
        let counters = try #require(document["traceEvents"] as? [[String: Any]]).filter { $0["ph"] as? String == "C" && $0["ts"] as? Int == 10 }
        #expect(counters.contains { $0["name"] as? String == "steps waiting" && ($0["args"] as? [String: Any])?["waiting"] as? Int == 1 })
        #expect(counters.contains { $0["name"] as? String == "steps in flight" && ($0["args"] as? [String: Any])?["running"] as? Int == 0 })
    }

    @Test func theReportDrawsTheQueueAsABarOfItsOwn() {
        let html = HTMLReport(record: Self.record).render()
        #expect(html.contains("class=\"bar queued\""))
        #expect(html.contains("build: queued in Slurm 2.00s"))
        #expect(html.contains("queued in Slurm (its job not started yet)"))
        #expect(html.contains("ok 1.00s + 2.00s queued in Slurm"))
        // A run without steps on Slurm has no such colour in its legend.
        let local = RunRecord(events: Self.events.compactMap { event in
            switch event.payload {
            case .stepRunning: return nil
            case .stepStarted(var started): started.lane = "loop"; return TimelineEvent(time: event.time, .stepStarted(started))
            default: return event
            }
        })
        #expect(!HTMLReport(record: local).render().contains("queued in Slurm"))
    }

    @Test func theTerminalShowsTheQueueAsTildes() {
        let gantt = TextGantt(record: Self.record, width: 60, style: .plain).render()
        let build = gantt.split(separator: "\n").first { $0.hasPrefix("build") } ?? ""
        #expect(build.contains("|~~~~") && build.contains("~#"), "\(gantt)")
        #expect(!build.contains("#~"))
        let summary = RunSummary(record: Self.record).render()
        #expect(summary.contains("success, 2.00s of it queued in Slurm"), "\(summary)")
    }

    @Test func aJobThatNeverStartedWasQueuedAllAlong() throws {
        // `build` is cancelled at 5 s while its job still waits in the queue.
        let events = Self.events.prefix(3) + [
            TimelineEvent(time: 5_000_010, .stepFinished(StepFinished(
                step: "build", attempt: 1, lane: "slurm", status: .cancelled, exitCode: nil, error: "the run was interrupted", details: nil, outputs: nil))),
        ]
        let record = RunRecord(events: Array(events))
        let build = try #require(record.steps.first { $0.id == "build" })
        #expect(build.executorQueueWait == 5_000_000 && build.runningAt == nil)
        #expect(build.runStart(until: 5_000_010) == 5_000_010)
        let document = try #require(try JSONSerialization.jsonObject(with: ChromeTrace(record: record).render()) as? [String: Any])
        let slices = try #require(document["traceEvents"] as? [[String: Any]]).filter { $0["ph"] as? String == "X" }
        let queued = try #require(slices.first { $0["name"] as? String == "build (queued in Slurm)" })
        #expect(queued["ts"] as? Int == 10 && queued["dur"] as? Int == 5_000_000)
        let html = HTMLReport(record: record).render()
        #expect(html.contains("cancelled after 5.00s queued in Slurm, never started"))
        let gantt = TextGantt(record: record, width: 60, style: .plain).render()
        #expect(gantt.split(separator: "\n").first { $0.hasPrefix("build") }?.contains("#~") == false)
        // A log cut while the job waits: queued up to the log's end.
        let cut = RunRecord(events: Array(Self.events.prefix(3)) + [TimelineEvent(time: 900_000, .loopLag(LoopLag(ticks: 1, maximum: 0, p99: 0)))])
        #expect(cut.steps.first { $0.id == "build" }?.runStart(until: 900_000) == 900_000)
    }
}
