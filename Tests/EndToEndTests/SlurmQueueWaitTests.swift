import Foundation
import Taskloop
import Testing

/// A step on Slurm is drawn as its time queued in Slurm, then its run: the
/// node says when the command starts (a `step-running` event), and the trace
/// and the report show the wait as a slice of its own before the run.
extension ExecutorTests {
    /// CPUs of the local cluster's node, so a step can ask for all of them.
    static func nodeCPUs() -> Int? {
        Int(run("/usr/bin/env", ["sinfo", "-h", "-o", "%c"]).split(separator: "\n").first?.trimmingCharacters(in: .whitespaces) ?? "")
    }

    @Test(.enabled(if: hasSlurm, "needs the local Slurm cluster (see above)"))
    func aStepQueuedInSlurmShowsItsWaitBeforeItsRun() async throws {
        let cpus = try #require(Self.nodeCPUs())
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // Each step asks for the whole node, so one waits in Slurm's queue
        // while the other runs.
        try """
            executors:
              whole-node: { slurm: { cpus: \(cpus), mem: 100M } }
            steps:
              first: { executor: whole-node, shell: 'echo first ran; sleep 3' }
              second: { executor: whole-node, shell: 'echo second ran; sleep 3' }
            """.write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        let result = try TaskloopBinary.run(
            ["run", "p.yaml", "--events", "events.jsonl", "--trace", "trace.json", "--report", "report.html", "--progress", "plain"], in: folder)

        #expect(result.exitCode == 0, "\(result.standardOutput)\n\(result.standardError)")
        #expect(result.standardOutput.contains("[first] first ran") && result.standardOutput.contains("[second] second ran"))
        // The node's start line is taken out of the output.
        #expect(!(result.standardOutput + result.standardError).contains("taskloop-running"), "\(result.standardOutput)")

        let log = try EventLog.read(path: folder + "/events.jsonl")
        var started: [StepID: Int64] = [:], running: [StepID: (Int64, StepRunning)] = [:], finished: [StepID: Int64] = [:]
        for event in log.events {
            switch event.payload {
            case .stepStarted(let e):
                started[e.step] = event.time
                // It starts queued in Slurm, until the node says otherwise.
                #expect(e.lane == "slurm")
            case .stepRunning(let e): running[e.step] = (event.time, e)
            case .stepFinished(let e): finished[e.step] = event.time
            default: break
            }
        }
        for step: StepID in ["first", "second"] {
            let (runningAt, event) = try #require(running[step], "no step-running event for \(step)")
            let start = try #require(started[step]), end = try #require(finished[step])
            #expect(start <= runningAt && runningAt < end, "\(step): started \(start), running \(runningAt), finished \(end)")
            #expect(event.queue == "slurm" && event.attempt == 1)
            #expect(event.lane.contains(" · job "), "lane \(event.lane)")
        }
        // The step that waited for the other's job waited about its 3 s.
        let waits = ["first", "second"].compactMap { step -> Int64? in
            guard let runningAt = running[StepID(step)]?.0, let start = started[StepID(step)] else { return nil }
            return runningAt - start
        }
        let waited: StepID = waits[0] > waits[1] ? "first" : "second"
        #expect(waits.max() ?? 0 >= 2_000_000, "queue waits (µs): \(waits)")

        // The trace: a `(queued in Slurm)` slice on the step's own row, ending
        // where its run begins.
        let trace = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/trace.json"))) as? [String: Any])
        let slices = try #require(trace["traceEvents"] as? [[String: Any]]).filter { $0["ph"] as? String == "X" }
        let queued = try #require(slices.first { $0["name"] as? String == "\(waited) (queued in Slurm)" }, "slices: \(slices.map { $0["name"] ?? "" })")
        let run = try #require(slices.first { $0["name"] as? String == waited.rawValue })
        #expect(queued["cat"] as? String == "slurm-queue")
        #expect(queued["tid"] as? Int == run["tid"] as? Int && queued["pid"] as? Int == run["pid"] as? Int)
        let queuedStart = try #require(queued["ts"] as? Int), queuedEnd = queuedStart + (try #require(queued["dur"] as? Int))
        let runStart = try #require(run["ts"] as? Int)
        #expect(queuedStart < runStart && queuedEnd <= runStart, "queued \(queuedStart)+\(queuedEnd - queuedStart), run from \(runStart)")
        #expect(Int64(queuedEnd - queuedStart) >= 2_000_000)

        // The report draws the wait as a bar of its own, and the summary says it.
        let report = try String(contentsOfFile: folder + "/report.html", encoding: .utf8)
        #expect(report.contains("class=\"bar queued\""))
        #expect(report.contains("queued in Slurm"))
        #expect(result.standardOutput.contains("queued in Slurm"), "\(result.standardOutput)")
    }

    @Test(.enabled(if: hasSlurm, "needs the local Slurm cluster (see above)"))
    func aCPUStepWaitingForItsWorkersSlurmJobShowsThatWaitApart() async throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // The step is ready at once; its worker's job is still being started by Slurm.
        try """
            executors:
              cluster: { slurm: { cpus: 1 } }
            limits:
              workers: { count: 1, executor: cluster }
            steps:
              crunch: { cpu: { function: spin, with: { for: 200ms } } }
              again: { needs: crunch, cpu: { function: spin, with: { for: 50ms } } }
            """.write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        let result = try TaskloopBinary.run(["run", "p.yaml", "--events", "events.jsonl", "--trace", "trace.json", "--progress", "plain"], in: folder)
        #expect(result.exitCode == 0, "\(result.standardOutput)\n\(result.standardError)")

        let log = try EventLog.read(path: folder + "/events.jsonl")
        let running = log.events.compactMap { event -> (Int64, StepRunning)? in
            if case .stepRunning(let running) = event.payload { return (event.time, running) }
            return nil
        }
        // Only the first step waited for its worker; the second found it ready.
        #expect(running.map(\.1.step) == ["crunch"], "\(running)")
        #expect(running.first?.1.lane == "worker-1" && running.first?.1.queue == "slurm")
        let record = RunRecord(events: log.events)
        let crunch = try #require(record.steps.first { $0.id == "crunch" })
        let start = try #require(crunch.startedAt), runningAt = try #require(crunch.runningAt), end = try #require(crunch.finishedAt)
        #expect(start < runningAt && runningAt < end)
        #expect(end - runningAt >= 200_000, "the run itself took the spin's 200 ms")
        let trace = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/trace.json"))) as? [String: Any])
        let slices = try #require(trace["traceEvents"] as? [[String: Any]]).filter { $0["ph"] as? String == "X" }
        let queued = try #require(slices.first { $0["name"] as? String == "crunch (queued in Slurm)" })
        let run = try #require(slices.first { $0["name"] as? String == "crunch" })
        #expect(queued["pid"] as? Int == run["pid"] as? Int && queued["tid"] as? Int == run["tid"] as? Int)
        #expect((queued["ts"] as? Int ?? 0) + (queued["dur"] as? Int ?? 0) <= run["ts"] as? Int ?? 0)
    }
}
