import Foundation
import Taskloop
import Testing

/// Taskloop inside an allocation (a batch job of `sbatch`, as under
/// `salloc`): its `srun`s start job steps of that job, and whatever ends them
/// (a step's timeout, Taskloop killed outright) ends those job steps only,
/// never the allocation, which goes on to run the rest of its script.
extension ExecutorTests {
    @Test(.enabled(if: hasSlurm, "needs the local Slurm cluster (see above)"))
    func insideAnAllocationStepsAreJobStepsAndOnlyTheyAreCancelled() async throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try """
            executors:
              cluster: { slurm: { cpus: 1 } }
            limits:
              workers: { count: 1, executor: cluster }
            steps:
              build: { executor: cluster, shell: 'echo "in $SLURM_JOB_ID.$SLURM_STEP_ID"' }
              crunch: { needs: build, cpu: { function: spin, with: { for: 100ms } } }
              slow: { needs: build, executor: cluster, shell: 'echo slow up; sleep 120', timeout: 2s, continue-on-error: true }
              report: { needs: [crunch, slow], executor: cluster, shell: 'echo report ran' }
            """.write(toFile: folder + "/steps.yaml", atomically: true, encoding: .utf8)
        try """
            steps:
              hang: { executor: cluster, shell: 'echo hang up; sleep 120' }
            executors:
              cluster: { slurm: { cpus: 1 } }
            """.write(toFile: folder + "/killed.yaml", atomically: true, encoding: .utf8)
        // The batch script: a run whose timed-out step is cancelled; then a
        // run killed with SIGKILL while its step runs; then what is left.
        let taskloop = ShellQuote.word(TaskloopBinary.path)
        try """
            #!/bin/sh
            \(taskloop) run steps.yaml --events steps.jsonl --progress plain > steps.txt 2>&1
            echo "exit $?" >> steps.txt
            \(taskloop) run killed.yaml --progress plain > killed.txt 2>&1 &
            run=$!
            for i in $(seq 150); do grep -q 'hang up' killed.txt && break; sleep 0.2; done
            squeue -h -s -j "$SLURM_JOB_ID" -o '%i %j' > steps-before-kill.txt
            kill -9 $run
            sleep 8
            squeue -h -s -j "$SLURM_JOB_ID" -o '%i %j' > steps-after-kill.txt
            echo "allocation $SLURM_JOB_ID alive" > alive.txt
            """.write(toFile: folder + "/batch.sh", atomically: true, encoding: .utf8)
        let submitted = Self.run("/usr/bin/env", [
            "sbatch", "--parsable", "--ntasks=3", "--job-name=taskloop-e2e-allocation", "--chdir=\(folder)",
            "--output=\(folder)/batch.out", folder + "/batch.sh",
        ])
        let job = try #require(submitted.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { Int($0) }, "sbatch said: \(submitted)")
        let ended = try await Self.eventually(within: 90) {
            ["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", ""].contains(
                Self.run("/usr/bin/env", ["squeue", "-h", "-t", "all", "-j", "\(job)", "-o", "%T"]).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let read = { (name: String) in (try? String(contentsOfFile: folder + "/" + name, encoding: .utf8)) ?? "" }
        #expect(ended, "batch job \(job) still \(Self.run("/usr/bin/env", ["squeue", "-h", "-t", "all", "-j", "\(job)", "-o", "%T"]))")
        // The allocation outlived both runs and finished its script.
        #expect(Self.run("/usr/bin/env", ["squeue", "-h", "-t", "all", "-j", "\(job)", "-o", "%T"]).contains("COMPLETED"))
        #expect(read("alive.txt") == "allocation \(job) alive\n", "batch output: \(read("batch.out"))")

        // The first run: each step a job step of the allocation, named so.
        let steps = read("steps.txt")
        #expect(steps.contains("[build] in \(job)."), "\(steps)")
        #expect(steps.contains("[report] report ran"), "\(steps)")
        #expect(steps.contains("exit 0"), "\(steps)")
        #expect(steps.contains("[slow] FAILED") && steps.contains("timed out after 2.00s"), "\(steps)")
        let log = try EventLog.read(path: folder + "/steps.jsonl")
        // (`crunch` may also have waited for its worker: its lane is the worker's.)
        let lanes = Dictionary(log.events.compactMap { event -> (StepID, String)? in
            if case .stepRunning(let running) = event.payload { return (running.step, running.lane) }
            return nil
        }, uniquingKeysWith: { first, _ in first })
        for step: StepID in ["build", "slow", "report"] {
            #expect(lanes[step]?.contains(" · job \(job).") == true, "lanes: \(lanes)")
        }
        let outputs = try Self.finishedSteps(in: folder, log: "steps.jsonl").first { $0.step == "build" }?.outputs ?? [:]
        #expect(outputs["slurm-step-id"]?.description.hasPrefix("\(job).") == true, "\(outputs)")

        // The killed run: its job step was running, and is gone; the allocation is not.
        #expect(read("steps-before-kill.txt").contains("taskloop-"), "steps: \(read("steps-before-kill.txt"))")
        #expect(!read("steps-after-kill.txt").contains("taskloop-"), "left: \(read("steps-after-kill.txt"))")
    }
}

/// Quoting for the batch script.
enum ShellQuote {
    static func word(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}
