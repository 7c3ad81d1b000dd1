import Foundation
import TaskloopTestServer
import Testing
@testable import Taskloop

@Suite(.serialized) struct ShellStepTests {
    @Test func stdoutAndExitCodeBecomeOutputs() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              hello: { shell: printf 'one\\ntwo\\n' }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.status("hello") == .success)
        let outputs = try report.outputs("hello")
        #expect(outputs["stdout"] == .string("one\ntwo"))
        #expect(outputs["exit-code"] == JSONValue(0))
    }

    /// A descriptor Taskloop's process holds without close-on-exec (as some
    /// libraries open files) does not reach the step's command.
    @Test func onlyStdinStdoutAndStderrReachTheCommand() async throws {
        let leaked = open("/dev/null", O_RDONLY)
        #expect(leaked > 2)
        defer { close(leaked) }
        let (report, folder) = try await runPipeline("""
            steps:
              descriptors: { shell: 'ls /proc/$$/fd; true' }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.status("descriptors") == .success)
        // The shell's own descriptors, listed while it waits for `ls` (no
        // pipeline: its pipes would be listed too; `; true`: no shell may
        // replace itself with `ls`).
        let listed = try report.outputs("descriptors")["stdout"]
        #expect(listed == .string("0\n1\n2"))
    }

    @Test func aNonZeroExitFailsWithTheCodeAndTheLastLinesOfStderr() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              broken:
                shell: |
                  echo partial
                  for i in $(seq 1 30); do echo "problem $i" >&2; done
                  exit 7
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let step = try #require(report.step("broken"))
        #expect(step.status == .failure)
        #expect(step.exitCode == 7)
        #expect(step.error == "exited with status 7")
        #expect(step.details.count == ShellStep.reportedErrorLines)
        #expect(step.details.last == "problem 30")
        #expect(try report.outputs("broken")["stdout"] == .string("partial"))
    }

    @Test func pipelineEnvThenStepEnvOverTheInheritedEnvironment() async throws {
        let (report, folder) = try await runPipeline("""
            env: { SHARED: pipeline, OVERRIDDEN: pipeline }
            steps:
              show:
                env: { OVERRIDDEN: step }
                shell: echo "$SHARED $OVERRIDDEN $TASKLOOP_STEP ${HOME:+home-inherited}"
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(try report.outputs("show")["stdout"] == .string("pipeline step show home-inherited"))
    }

    @Test func cwdIsRelativeToThePipelineFolder() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              make: { file: { mkdir: sub/dir } }
              where: { needs: make, cwd: sub/dir, shell: pwd }
              default: { shell: pwd }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let resolved = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path
        #expect(try report.outputs("where")["stdout"] == .string(resolved + "/sub/dir"))
        #expect(try report.outputs("default")["stdout"] == .string(resolved))
    }

    @Test func aMissingCwdFailsWithAClearMessage() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              lost: { cwd: nowhere, shell: pwd }
              file: { cwd: pipeline.yaml, shell: pwd }
            """, policy: .keepGoing)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.status("lost") == .failure)
        #expect(report.step("lost")?.error == "could not start /bin/sh in \(folder)/nowhere: No such file or directory; "
            + "the step's `cwd` must be an existing folder (make it in an earlier step, which this one `needs`)")
        #expect(report.step("file")?.error == "could not start /bin/sh in \(folder)/pipeline.yaml: Not a directory; "
            + "the step's `cwd` must name a folder, not a file")
    }

    @Test func aTimeoutEndsTheWholeProcessGroup() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              slow:
                shell: echo $$ > group.pid; sleep 60 & sleep 60
                timeout: 2s
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let step = try #require(report.step("slow"))
        #expect(step.status == .failure)
        #expect(step.error == "timed out after 2.00s (the step's `timeout`)")
        // The sleeps would take 60 s: the timeout ended them far sooner, however loaded the
        // machine (2 s leave a loaded machine time to start the shell and write its pid).
        #expect(try #require(step.duration) < 30_000_000)

        let text = try String(contentsOfFile: folder + "/group.pid", encoding: .utf8)
        let group = try #require(pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        // Nothing is left in the step's process group: both sleeps are gone.
        #expect(await ProcessTable.groupEnds(group))
    }

    @Test func aProcessThatIgnoresSIGTERMIsKilledAfterTheGracePeriod() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              stubborn:
                shell: trap '' TERM; echo $$ > group.pid; sleep 60 & wait
                timeout: 2s
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.status("stubborn") == .failure)
        // The pid file is written only once TERM is ignored, so a missing file means the
        // timeout came before the trap (a slow start) and the test proved nothing.
        let text = try String(contentsOfFile: folder + "/group.pid", encoding: .utf8)
        let group = try #require(pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(await ProcessTable.groupEnds(group))
        // Both processes ignore TERM and would live 60 s: the kill after the grace period
        // (2 s in these tests) ended them, far sooner, however loaded the machine.
        #expect(try #require(report.step("stubborn")?.duration) < 30_000_000)
    }

    @Test func backgroundProcessesLeftByASuccessfulCommandAreEnded() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              leaves-one: { shell: "echo $$ > group.pid; sleep 30 &" }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.status("leaves-one") == .success)
        let text = try String(contentsOfFile: folder + "/group.pid", encoding: .utf8)
        let group = try #require(pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(await ProcessTable.groupEnds(group))
        #expect(try #require(report.step("leaves-one")?.duration) < 5_000_000)
    }

    @Test func aProcessThatLeftTheGroupDoesNotHoldTheOutputOpen() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              escapes:
                shell: |
                  echo before
                  setsid sh -c 'echo $$ > escaped.tmp; mv escaped.tmp escaped.pid; sleep 0.5; echo too-late; exec sleep 30' &
                  while [ ! -e escaped.pid ]; do sleep 0.05; done
                  echo after
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let text = try String(contentsOfFile: folder + "/escaped.pid", encoding: .utf8)
        let escaped = try #require(pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        defer { kill(escaped, SIGKILL) }
        // It outlived the step: it had left the step's process group.
        #expect(kill(escaped, 0) == 0)
        #expect(report.status("escapes") == .success)
        // The output ends with the shell: the escaped process still held the pipe.
        #expect(try report.outputs("escapes")["stdout"] == .string("before\nafter"))
        #expect(try #require(report.step("escapes")?.duration) < 5_000_000)
    }

    @Test func stdoutKeptAsOutputIsCapped() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              big: { shell: "head -c 3000000 /dev/zero | tr '\\\\0' 'x'" }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        guard case .string(let stdout) = try report.outputs("big")["stdout"] else {
            Issue.record("no stdout output")
            return
        }
        #expect(stdout.utf8.count == ShellStep.capturedOutputLimit)
    }
}


@Suite(.serialized) struct ManyShellStepsTests {
    /// Thousands of short commands, 64 at a time: each one's pipes are made,
    /// read and closed while others start and end, and no line may go missing
    /// nor a step wait for an end of output that never comes.
    @Test func everyLineOfThousandsOfShortStepsArrives() async throws {
        let count = 2_000
        var yaml = "limits: { io: 64 }\ntimeout: 5m\nsteps:\n"
        for index in 0..<count {
            let command: String
            switch index % 4 {
            case 0: command = "echo out-\(index); echo err-\(index) >&2"
            case 1: command = "echo err-\(index) >&2"
            case 2: command = "printf tail-\(index)"
            default: command = "echo out-\(index)"
            }
            yaml += "  s\(index):\n    shell: \(command)\n"
        }
        let (report, folder) = try await runPipeline(yaml)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.status == .success)

        var stdoutOutputs: [StepID: JSONValue] = [:]
        for event in try EventLog.read(path: report.eventLogPath).events {
            if case .stepFinished(let finished) = event.payload { stdoutOutputs[finished.step] = finished.outputs?["stdout"] }
        }
        var wrong: [String] = []
        for index in 0..<count {
            let id = StepID("s\(index)")
            let printed = report.outputs[id]?.text ?? ""
            let expectedLines: [String]
            let expectedStdout: String
            switch index % 4 {
            case 0: (expectedLines, expectedStdout) = (["out-\(index)", "err-\(index)"], "out-\(index)")
            case 1: (expectedLines, expectedStdout) = (["err-\(index)"], "")
            case 2: (expectedLines, expectedStdout) = (["tail-\(index)"], "tail-\(index)")
            default: (expectedLines, expectedStdout) = (["out-\(index)"], "out-\(index)")
            }
            if report.status(id) != .success { wrong.append("\(id): \(String(describing: report.status(id)))") }
            if Set(printed.split(separator: "\n").map(String.init)) != Set(expectedLines) { wrong.append("\(id) printed \(printed.debugDescription)") }
            if stdoutOutputs[id] != .string(expectedStdout) { wrong.append("\(id) stdout \(String(describing: stdoutOutputs[id]))") }
        }
        let problems = wrong.count
        #expect(problems == 0, "first: \(wrong.prefix(10))")
    }
}
