import Foundation
import Testing
@testable import Taskloop

@Suite struct ExecutorLoadingTests {
    static let cluster = """
        executors:
          cluster: { slurm: { partition: debug, cpus: 2, mem: 1G, time: 10m, args: [--qos=high] } }
          lab: { ssh: { hosts: [node1, user@node2], args: [-p, "2222"] } }
        limits:
          workers: { count: 8, executor: cluster }
        steps:
          build: { executor: cluster, shell: make -j4 }
          docs: { executor: lab, shell: make docs }
          here: { shell: echo local }
        """

    func problems(_ text: String) -> [String] {
        do {
            _ = try PipelineLoader().load(contents: text, file: "p.yaml")
            return []
        } catch {
            return error.diagnostics.map { "\($0.location.map { "\($0.line):\($0.column)" } ?? "-") \($0.problem.message)" }
        }
    }

    @Test func executorsWorkersAndStepsAreRead() throws {
        let pipeline = try PipelineLoader().load(contents: Self.cluster, file: "p.yaml")
        #expect(pipeline.executors["cluster"]?.kind == .slurm(SlurmConfiguration(
            partition: "debug", cpus: 2, memory: "1G", timeLimit: .seconds(600), arguments: ["--qos=high"])))
        #expect(pipeline.executors["lab"]?.kind == .ssh(SSHConfiguration(hosts: ["node1", "user@node2"], arguments: ["-p", "2222"])))
        #expect(pipeline.limits.workers == 8)
        #expect(pipeline.limits.workerExecutor?.name == "cluster")
        #expect(pipeline.steps.map { $0.executor?.name } == ["cluster", "lab", nil])
    }

    @Test func unknownExecutorsAndWrongKindsAreReportedWhereWritten() {
        let found = problems("""
            executors:
              cluster: { slurm: { cpus: 1 } }
            limits:
              workers: { count: 2, executor: clustr }
            steps:
              a: { executor: cluster, sleep: 1s }
              b: { executor: cluster, cpu: { function: spin, with: { for: 1ms } } }
              c: { executor: nowhere, shell: echo }
            """)
        #expect(found.contains { $0.hasPrefix("4:34 ") && $0.contains("no executor `clustr`") && $0.contains("did you mean `cluster`?") })
        #expect(found.contains { $0.hasPrefix("6:18 ") && $0.contains("only `shell` steps run on an executor") })
        #expect(found.contains { $0.hasPrefix("7:18 ") && $0.contains("limits: { workers: { count: 8, executor: cluster } }") })
        #expect(found.contains { $0.hasPrefix("8:18 ") && $0.contains("no executor `nowhere`") })
    }

    @Test func badExecutorSettingsAreReported() {
        let found = problems("""
            executors:
              local: { ssh: { hosts: [a] } }
              both: { slurm: {}, ssh: { hosts: [a] } }
              mem: { slurm: { mem: lots, cpus: 0, time: 0s, partiton: x } }
              nohosts: { ssh: { hosts: [] } }
            steps:
              a: { shell: echo }
            """)
        #expect(found.contains { $0.hasPrefix("2:3 ") && $0.contains("`local` is reserved") })
        #expect(found.contains { $0.hasPrefix("3:9 ") && $0.contains("exactly one of `slurm:`") })
        #expect(found.contains { $0.contains("`lots` is not a memory size") })
        #expect(found.contains { $0.contains("0 is out of range") })
        #expect(found.contains { $0.contains("at least 1s") })
        #expect(found.contains { $0.contains("unknown key `partiton`") && $0.contains("did you mean `partition`?") })
        #expect(found.contains { $0.hasPrefix("5:28 ") && $0.contains("list at least one host") })
    }

    @Test func theExecutorOverridePutsShellStepsAndWorkersOnOneExecutor() throws {
        let pipeline = try PipelineLoader().load(contents: Self.cluster, file: "p.yaml")
        let onLab = try pipeline.overridingExecutor("lab")
        #expect(onLab.steps.map { $0.executor?.name } == ["lab", "lab", "lab"])
        #expect(onLab.limits.workerExecutor?.name == "lab")
        let local = try pipeline.overridingExecutor("local")
        #expect(local.steps.allSatisfy { $0.executor == nil } && local.limits.workerExecutor == nil)
        #expect(throws: ExecutorOverrideError.self) { try pipeline.overridingExecutor("clustr") }
    }

    @Test func srunCommandLinesCarryTheSettingsAndTheJobName() {
        let slurm = SlurmCommand(configuration: SlurmConfiguration(partition: "debug", cpus: 2, memory: "1G", timeLimit: .seconds(90), arguments: ["--qos=high"]))
        #expect(slurm.shell("make", jobName: "tag-build.1", workingDirectory: "/w") == [
            "srun", "--ntasks=1", "--nodes=1", "--job-name=tag-build.1", "--chdir=/w", "--unbuffered",
            "--partition=debug", "--cpus-per-task=2", "--mem=1G", "--time=0:01:30", "--qos=high",
        ] + SlurmTaskStart.wrapping("make"))
        // The command runs as `/bin/sh -c COMMAND` behind the line that says it started.
        let wrapped = SlurmTaskStart.wrapping("make")
        #expect(wrapped.prefix(2) == ["/bin/sh", "-c"] && wrapped.suffix(2) == ["taskloop-step", "make"])
        #expect(wrapped[2].hasPrefix(#"printf '\036taskloop-running %s %s %s\n' "${SLURM_JOB_ID:-?}" "${SLURM_STEP_ID:-0}""#))
        #expect(wrapped[2].hasSuffix(#">&2; exec /bin/sh -c "$1""#))
        let worker = slurm.worker(WorkerLaunch(executable: "/opt/tl", arguments: ["worker"]), tag: "tag", workingDirectory: "/w")
        #expect(worker.executable == "/bin/sh")
        #expect(worker.arguments.suffix(3) == ["tag", "/opt/tl", "worker"])
        #expect(worker.arguments[1].contains("--job-name=\"$0\"-w$$"))
        #expect(SlurmCommand.slurmTime(.seconds(3 * 3600 + 61)) == "3:01:01")
    }

    @Test func theNodesStartLineNamesTheJobStepAndNode() throws {
        #expect(SlurmTaskStart.markerPrefix == "\u{1E}taskloop-running ")
        let task = try #require(SlurmTaskStart(markerRest: "12 3 node-07"))
        #expect(task == SlurmTaskStart(jobID: "12", stepID: "3", node: "node-07"))
        #expect(task.place(insideAllocation: false) == "node-07 · job 12")
        #expect(task.place(insideAllocation: true) == "node-07 · job 12.3")
        #expect(SlurmTaskStart(markerRest: "12 3") == nil)
        #expect(SlurmTaskStart(markerRest: "") == nil)
    }

    @Test func theRemoteScriptQuotesEverything() {
        let script = SSHCommand.remoteScript("echo 'hi'", folder: "/a b", environment: ["X": "it's", "bad name": "x"], grace: .seconds(5))
        #expect(script.hasPrefix("cd '/a b' || exit 126\nexport X='it'\\''s'\n"))
        #expect(!script.contains("bad name"))
        #expect(script.contains("setsid /bin/sh -c 'echo '\\''hi'\\''' </dev/null &"))
        #expect(script.contains("while [ $i -lt 5 ] && kill -0 -- -$pid"))
    }

    @Test func squeueLinesAreRead() {
        let job = SlurmJobInfo.parse("12|vm|CANCELLED|None|2026-12-01T03:16:30|2026-12-01T03:16:33\n")
        #expect(job == SlurmJobInfo(jobID: "12", node: "vm", state: "CANCELLED", reason: "None", queueWaitSeconds: 3))
        #expect(job?.ending == "Slurm job 12 on vm ended CANCELLED")
        #expect(job?.place == "vm · job 12")
        #expect(SlurmJobInfo.parse("13||PENDING|Resources|2026-12-01T03:16:30|N/A")?.queueWaitSeconds == nil)
        #expect(SlurmJobInfo.parse("") == nil)
    }

    @Test func slurmsEndingsAreNamedWithTheirReason() throws {
        let timeout = try #require(SlurmJobInfo.parse("14|vm|TIMEOUT|TimeLimit|2026-12-01T03:16:30|2026-12-01T03:16:30"))
        #expect(timeout.endedBySlurm)
        #expect(timeout.ending == "Slurm job 14 on vm ended TIMEOUT (TimeLimit)")
        let nodeFail = try #require(SlurmJobInfo.parse("15|vm|NODE_FAIL|NodeDown|2026-12-01T03:16:30|2026-12-01T03:16:31"))
        #expect(nodeFail.endedBySlurm)
        #expect(nodeFail.ending == "Slurm job 15 on vm ended NODE_FAIL (NodeDown)")
        // A plain exit is the command's doing, not Slurm's.
        for state in ["COMPLETED", "FAILED", "RUNNING", "COMPLETING"] {
            #expect(SlurmJobInfo.parse("16|vm|\(state)|NonZeroExitCode|2026-12-01T03:16:30|2026-12-01T03:16:31")?.endedBySlurm == false)
        }
    }
}
