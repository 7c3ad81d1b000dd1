import Foundation
import Taskloop
import TaskloopTestServer
import Testing

/// The Slurm and ssh executors against a real local cluster and sshd, which
/// `.ci/run` starts (scripts/slurm-local.sh, scripts/sshd-local.sh) and
/// announces with `TASKLOOP_TEST_SLURM=1` and `TASKLOOP_SSH_CONFIG`.
@Suite(.serialized) struct ExecutorTests {
    static let environment = ProcessInfo.processInfo.environment
    static let hasSlurm = environment["TASKLOOP_TEST_SLURM"] == "1" && environment["SLURM_CONF"] != nil
    static let sshConfig = environment["TASKLOOP_SSH_CONFIG"]

    static let slurmPipeline = """
        executors:
          cluster: { slurm: { partition: debug, cpus: 1, mem: 100M, time: 10m } }
        limits:
          workers: { count: 2, executor: cluster }
        steps:
          build: { executor: cluster, shell: 'echo "built on job $SLURM_JOB_ID"; echo "k=v" >> "$TASKLOOP_OUTPUT"' }
          crunch-1: { needs: build, cpu: { function: spin, with: { for: 200ms } } }
          crunch-2: { needs: build, cpu: { function: primes, with: { n: 100000 } } }
          crunch-3: { needs: build, cpu: { function: spin, with: { for: 100ms } } }
          report: { needs: [crunch-1, crunch-2, crunch-3], executor: cluster, shell: 'echo "k was ${{ steps.build.outputs.k }}"' }
        """

    static let longSlurmPipeline = """
        executors:
          cluster: { slurm: { cpus: 1, time: 10m } }
        limits:
          workers: { count: 1, executor: cluster }
        steps:
          long: { executor: cluster, shell: 'echo started; sleep 120' }
          crunch: { cpu: { function: spin, with: { for: 120s } } }
        """

    /// One CPU worker on the cluster: `doomed` spins until its worker's job
    /// is ended under it; `after` needs a worker again.
    static let doomedWorkerPipeline = """
        executors:
          cluster: { slurm: { cpus: 1 } }
        limits:
          workers: { count: 1, executor: cluster }
        steps:
          doomed: { cpu: { function: spin, with: { for: 120s } }, continue-on-error: true }
          after: { needs: doomed, cpu: { function: spin, with: { for: 50ms } } }
        """

    /// One shell step on the cluster that prints `up`, then sleeps.
    static func longShellStepPipeline(slurm: String = "cpus: 1") -> String {
        """
        executors:
          cluster: { slurm: { \(slurm) } }
        steps:
          long: { executor: cluster, shell: 'echo up; sleep 120' }
        """
    }

    /// Writes `pipeline` to `p.yaml` in `folder` and starts `taskloop run` on
    /// it with its event log (`events.jsonl`) and plain progress; `prefix`
    /// begins the names of the Slurm jobs the run submits.
    static func startRun(_ pipeline: String, in folder: String) throws -> (running: TaskloopBinary.Running, prefix: String) {
        try pipeline.write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        let running = try TaskloopBinary.start(["run", "p.yaml", "--events", "events.jsonl", "--progress", "plain"], in: folder)
        return (running, "taskloop-\(running.pid)-")
    }

    /// The name of the first job squeue lists whose name starts with `prefix`.
    static func firstJobName(startingWith prefix: String) -> String? {
        jobNames(startingWith: prefix).first?.split(separator: " ").first.map(String.init)
    }

    /// Names of this user's Slurm jobs still pending or running (or completing).
    static func jobNames(startingWith prefix: String) -> [String] {
        let output = run("/usr/bin/env", ["squeue", "-h", "-o", "%j %T"])
        return output.split(separator: "\n").map(String.init).filter { $0.hasPrefix(prefix) }
    }

    static func run(_ executable: String, _ arguments: [String]) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return "" }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// Waits until `condition` holds, up to `seconds`; whether it did.
    static func eventually(within seconds: Double, _ condition: () -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(200))
        }
        return condition()
    }

    @Test(.enabled(if: hasSlurm, "needs the local Slurm cluster: run scripts/slurm-local.sh start and set TASKLOOP_TEST_SLURM=1 and SLURM_CONF (.ci/run does)"))
    func aPipelineRunsOnSrunWorkersAndTheSlurmExecutor() async throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.slurmPipeline.write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        let running = try TaskloopBinary.start(["run", "p.yaml", "--events", "events.jsonl", "--progress", "plain"], in: folder)
        let pid = running.pid
        let result = running.finish()

        #expect(result.exitCode == 0, "\(result.standardOutput)\n\(result.standardError)")
        #expect(result.standardOutput.contains("[build] built on job "))
        #expect(result.standardOutput.contains("[report] k was v"))
        let log = try EventLog.read(path: folder + "/events.jsonl")
        let lanes = log.events.compactMap { event -> (StepID, String)? in
            if case .stepFinished(let finished) = event.payload { return (finished.step, finished.lane) }
            return nil
        }
        // Shell steps are named by node and job; CPU steps by worker, node and job.
        #expect(lanes.first { $0.0 == "build" }?.1.contains(" · job ") == true)
        for step in ["crunch-1", "crunch-2", "crunch-3"] {
            let lane = lanes.first { $0.0 == StepID(step) }?.1 ?? ""
            #expect(lane.hasPrefix("worker-") && lane.contains(" · job "), "lane of \(step): \(lane)")
        }
        #expect(try await Self.eventually(within: 5) { Self.jobNames(startingWith: "taskloop-\(pid)-").isEmpty })
    }

    @Test(.enabled(if: hasSlurm, "needs the local Slurm cluster (see above)"), arguments: [SIGINT, SIGKILL])
    func noJobIsLeftAfterTheRunEnds(signal: Int32) async throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.longSlurmPipeline.write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        let running = try TaskloopBinary.start(["run", "p.yaml", "--progress", "plain"], in: folder)
        let prefix = "taskloop-\(running.pid)-"
        // The shell step's job and the worker's job both run.
        let bothRun = try await Self.eventually(within: 30) {
            Self.jobNames(startingWith: prefix).filter { $0.hasSuffix("RUNNING") }.count == 2
                && running.standardOutputSoFar.contains("[long] started")
        }
        #expect(bothRun, "jobs: \(Self.jobNames(startingWith: prefix))")
        running.signal(signal)
        let result = running.finish()
        if signal == SIGINT { #expect(result.exitCode == 130) }
        // The bound the README states: a few seconds, plus KillWait (2 s here).
        let gone = try await Self.eventually(within: 10) { Self.jobNames(startingWith: prefix).isEmpty }
        #expect(gone, "left in squeue: \(Self.jobNames(startingWith: prefix))")
        let left = try await Self.eventually(within: 5) {
            ProcessTable.entries().filter { !$0.isZombie && $0.commandLine.joined(separator: " ").contains(prefix) }.isEmpty
        }
        #expect(left, "processes left: \(ProcessTable.entries().filter { $0.commandLine.joined(separator: " ").contains(prefix) }.map(\.commandLine))")
    }

    @Test(.enabled(if: hasSlurm, "needs the local Slurm cluster (see above)"))
    func aCancelledWorkerJobFailsOnlyItsStepWithSlurmsReason() async throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (running, prefix) = try Self.startRun(Self.doomedWorkerPipeline, in: folder)
        let started = try await Self.eventually(within: 30) { !Self.jobNames(startingWith: prefix).filter { $0.hasSuffix("RUNNING") }.isEmpty }
        #expect(started)
        try await Task.sleep(for: .milliseconds(500))
        let name = try #require(Self.firstJobName(startingWith: prefix))
        _ = Self.run("/usr/bin/env", ["scancel", "--name", name])
        let result = running.finish()

        #expect(result.exitCode == 0, "\(result.standardOutput)\n\(result.standardError)")
        let log = try EventLog.read(path: folder + "/events.jsonl")
        let finished = log.events.compactMap { event -> StepFinished? in
            if case .stepFinished(let finished) = event.payload { return finished }
            return nil
        }
        let doomed = try #require(finished.first { $0.step == "doomed" })
        #expect(doomed.status == .failure)
        #expect(doomed.error?.contains("CANCELLED") == true, "error: \(doomed.error ?? "")")
        #expect(finished.first { $0.step == "after" }?.status == .success)
    }

    @Test(.enabled(if: hasSlurm, "needs the local Slurm cluster (see above)"))
    func aShellStepWhoseJobIsCancelledFailsWithSlurmsReason() async throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (running, prefix) = try Self.startRun(Self.longShellStepPipeline(), in: folder)
        #expect(try await Self.eventually(within: 30) { running.standardOutputSoFar.contains("[long] up") })
        let name = try #require(Self.firstJobName(startingWith: prefix))
        _ = Self.run("/usr/bin/env", ["scancel", "--name", name])
        let result = running.finish()

        #expect(result.exitCode == 1)
        #expect(result.standardOutput.contains("FAILED"))
        #expect(result.standardOutput.contains("ended CANCELLED"), "\(result.standardOutput)")
    }

    static func sshPipeline(_ config: String) -> String {
        """
        executors:
          lab: { ssh: { hosts: [taskloop-local, taskloop-local], args: [-F, "\(config)"] } }
        limits:
          workers: { count: 2, executor: lab }
        steps:
          hello: { executor: lab, shell: 'echo "from $(pwd) as $TASKLOOP_STEP with $GREETING"; echo "k=v" >> "$TASKLOOP_OUTPUT"', env: { GREETING: "it's me" } }
          crunch: { needs: hello, cpu: { function: primes, with: { n: 100000 } } }
          long: { needs: hello, executor: lab, shell: 'echo $$ > long.pid; sleep 120' }
        """
    }

    @Test(.enabled(if: sshConfig != nil, "needs the local sshd: run scripts/sshd-local.sh start and set TASKLOOP_SSH_CONFIG (.ci/run does)"))
    func aPipelineRunsOverSSHAndKill9LeavesNoRemoteProcess() async throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.sshPipeline(Self.sshConfig ?? "").write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        let running = try TaskloopBinary.start(["run", "p.yaml", "--events", "events.jsonl", "--progress", "plain"], in: folder)
        let started = try await Self.eventually(within: 30) { FileManager.default.fileExists(atPath: folder + "/long.pid") }
        #expect(started, "\(running.standardOutputSoFar)")
        try await Task.sleep(for: .milliseconds(300))
        let output = running.standardOutputSoFar
        #expect(output.contains("[hello] from \(folder) as hello with it's me"), "\(output)")
        let log = try EventLog.read(path: folder + "/events.jsonl")
        let crunch = log.events.contains { event in
            if case .stepFinished(let finished) = event.payload { return finished.step == "crunch" && finished.status == .success }
            return false
        }
        #expect(crunch)
        let group = try #require(pid_t((try String(contentsOfFile: folder + "/long.pid", encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)))
        running.signal(SIGKILL)
        _ = running.finish()
        // The remote watcher notices within a second, then SIGTERM ends the sleep.
        #expect(try await Self.eventually(within: 5) { ProcessTable.liveMembers(ofGroup: group).isEmpty })
        // Workers whose sshd session ended die with it (none is left orphaned).
        let noOrphanWorker = try await Self.eventually(within: 5) {
            ProcessTable.entries().filter { !$0.isZombie && $0.parent == 1 && $0.commandLine.last == "worker" }.isEmpty
        }
        #expect(noOrphanWorker)
    }
}
