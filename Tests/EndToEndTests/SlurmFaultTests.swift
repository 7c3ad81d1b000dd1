import Foundation
import Taskloop
import Testing

/// Slurm ends a job under a step: its node fails, or its time limit passes.
/// The step fails with Slurm's word for it, and a worker is replaced.
/// (In ``ExecutorTests``' suite: a downed node must not meet other tests' jobs.)
extension ExecutorTests {
    /// The local cluster's node.
    static func nodeName() -> String? {
        run("/usr/bin/env", ["sinfo", "-h", "-o", "%N"]).split(separator: "\n").first.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    static func scontrol(_ arguments: [String]) -> String {
        run("/usr/bin/env", ["scontrol"] + arguments)
    }

    /// Marks the node down, as Slurm does when a node stops answering: its
    /// jobs end `NODE_FAIL`. The node is resumed once `body` is done, however
    /// it ends (with `ReturnToService=2` the local cluster may already have
    /// taken it back, which `resume` then refuses harmlessly).
    static func withNodeDown<T>(_ node: String, _ body: () async throws -> T) async rethrows -> T {
        _ = scontrol(["update", "nodename=\(node)", "state=down", "reason=taskloop-test"])
        defer { _ = scontrol(["update", "nodename=\(node)", "state=resume"]) }
        return try await body()
    }

    /// State of the job named `name` (`RUNNING`, `NODE_FAIL`, …), as squeue has it.
    static func jobState(named name: String) -> String {
        run("/usr/bin/env", ["squeue", "-h", "-t", "all", "-n", name, "-o", "%T"]).split(separator: "\n").last.map(String.init) ?? ""
    }

    static func finishedSteps(in folder: String, log: String = "events.jsonl") throws -> [StepFinished] {
        try EventLog.read(path: folder + "/" + log).events.compactMap { event in
            if case .stepFinished(let finished) = event.payload { return finished }
            return nil
        }
    }

    @Test(.enabled(if: hasSlurm, "needs the local Slurm cluster (see above)"))
    func aWorkerWhoseNodeFailsFailsOnlyItsStepAndIsReplaced() async throws {
        let node = try #require(Self.nodeName())
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (running, prefix) = try Self.startRun(Self.doomedWorkerPipeline, in: folder)
        #expect(try await Self.eventually(within: 30) { !Self.jobNames(startingWith: prefix).filter { $0.hasSuffix("RUNNING") }.isEmpty })
        try await Task.sleep(for: .milliseconds(500))
        let name = try #require(Self.firstJobName(startingWith: prefix))
        let failed = try await Self.withNodeDown(node) {
            try await Self.eventually(within: 15) { Self.jobState(named: name) == "NODE_FAIL" }
        }
        #expect(failed, "job \(name): \(Self.jobState(named: name))")
        let result = running.finish()

        #expect(result.exitCode == 0, "\(result.standardOutput)\n\(result.standardError)")
        let finished = try Self.finishedSteps(in: folder)
        let doomed = try #require(finished.first { $0.step == "doomed" })
        #expect(doomed.status == .failure)
        #expect(doomed.error?.contains("NODE_FAIL") == true, "error: \(doomed.error ?? "")")
        // The next CPU step ran on the replacement: a new job, once the node was back.
        let after = try #require(finished.first { $0.step == "after" })
        #expect(after.status == .success, "\(after.error ?? "")")
        #expect(after.lane.contains(" · job ") && after.lane != doomed.lane, "doomed on \(doomed.lane), after on \(after.lane)")
    }

    @Test(.enabled(if: hasSlurm, "needs the local Slurm cluster (see above)"))
    func aShellStepWhoseNodeFailsFailsWithSlurmsReason() async throws {
        let node = try #require(Self.nodeName())
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (running, prefix) = try Self.startRun(Self.longShellStepPipeline(), in: folder)
        #expect(try await Self.eventually(within: 30) { running.standardOutputSoFar.contains("[long] up") })
        let name = try #require(Self.firstJobName(startingWith: prefix))
        let failed = try await Self.withNodeDown(node) {
            try await Self.eventually(within: 15) { Self.jobState(named: name) == "NODE_FAIL" }
        }
        #expect(failed, "job \(name): \(Self.jobState(named: name))")
        let result = running.finish()

        // `srun` itself exits 0 when its node fails; the job's state says otherwise.
        #expect(result.exitCode == 1, "\(result.standardOutput)")
        let long = try #require(try Self.finishedSteps(in: folder).first { $0.step == "long" })
        #expect(long.status == .failure)
        #expect(long.error?.contains("ended NODE_FAIL") == true, "error: \(long.error ?? "")")
    }

    /// Slurm counts time limits in minutes; the test shortens the running
    /// job's limit to nothing (`scontrol update jobid=J timelimit=0`), and
    /// Slurm's periodic check (every 30 s at most) ends it `TIMEOUT`.
    @Test(.enabled(if: hasSlurm, "needs the local Slurm cluster (see above)"))
    func aShellStepPastItsTimeLimitFailsWithSlurmsReason() async throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (running, prefix) = try Self.startRun(Self.longShellStepPipeline(slurm: "cpus: 1, time: 10m"), in: folder)
        #expect(try await Self.eventually(within: 30) { running.standardOutputSoFar.contains("[long] up") })
        let id = Self.run("/usr/bin/env", ["squeue", "-h", "-o", "%i %j"]).split(separator: "\n")
            .first { $0.split(separator: " ").last?.hasPrefix(prefix) == true }?.split(separator: " ").first.map(String.init)
        let job = try #require(id)
        _ = Self.scontrol(["update", "jobid=\(job)", "timelimit=0"])
        let result = running.finish()

        #expect(result.exitCode == 1, "\(result.standardOutput)")
        let long = try #require(try Self.finishedSteps(in: folder).first { $0.step == "long" })
        #expect(long.status == .failure)
        #expect(long.error?.contains("Slurm job \(job)") == true && long.error?.contains("ended TIMEOUT (TimeLimit)") == true, "error: \(long.error ?? "")")
    }
}
