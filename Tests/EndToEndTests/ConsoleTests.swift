import Foundation
import TaskloopTestServer
import Testing

/// What `taskloop run` prints: live progress in a real pseudo-terminal,
/// plain lines elsewhere, output modes, verbosity, colour and the failure
/// summary at the end.
@Suite(.serialized) struct ConsoleTests {
    /// Two steps that print while running side by side, one that fails after
    /// them, one skipped because of it, and one cancelled by the failure. The
    /// failing step writes only to stderr: the order of lines across stdout
    /// and stderr is the order they are read, which no test can pin.
    static let pipeline = """
        steps:
          a: { shell: "for i in 1 2 3; do echo alpha-$i; sleep 0.2; done" }
          b: { shell: "for i in 1 2 3; do echo beta-$i; sleep 0.15; done" }
          check:
            needs: [a, b]
            shell: |
              echo 'checking' >&2; echo 'error: 2 files differ' >&2; exit 4
          deploy: { needs: check, shell: echo deployed }
          slow: { sleep: 30s }
        """

    /// A line of the live status area: a running step with its clock, or the bar.
    func isStatusLine(_ line: String) -> Bool {
        line.contains(" running · ") || line.contains(#/^\[[█░]+\] \d+\/\d+ · /#) || line.contains(#/^  \S+ +\d+:\d\d  /#)
    }

    func writePipeline(_ text: String = pipeline) throws -> String {
        let folder = try makeScratchFolder()
        try text.write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        return folder
    }

    /// Runs taskloop under `script`, in a pseudo-terminal of the given size;
    /// returns the exit code and every byte the terminal received.
    func runInTerminal(
        _ arguments: [String], in folder: String, columns: Int = 80, rows: Int = 24, environment: [String: String] = [:],
        whileRunning: (_ taskloop: Int32, _ capture: String) async throws -> Void = { _, _ in }
    ) async throws -> (exitCode: Int32, bytes: String) {
        let quoted = ([TaskloopBinary.path] + arguments).map { "'" + $0 + "'" }.joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-q", "-e", "-c", "stty cols \(columns) rows \(rows); exec \(quoted)", "/dev/null"]
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        var inherited = ProcessInfo.processInfo.environment
        for name in ["NO_COLOR", "GITHUB_ACTIONS", "CI"] { inherited[name] = nil }
        inherited["TERM"] = "xterm-256color"
        process.environment = inherited.merging(environment) { _, new in new }
        let capture = folder + "/terminal.out"
        _ = FileManager.default.createFile(atPath: capture, contents: nil)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: capture))
        try process.run()
        // `script` runs a shell that execs taskloop: its child, once exec'd.
        var taskloop: Int32?
        for _ in 0..<200 where taskloop == nil {
            taskloop = ProcessTable.entries().first {
                $0.parent == process.processIdentifier && $0.commandLine.first == TaskloopBinary.path
            }?.pid
            if taskloop == nil { try await Task.sleep(for: .milliseconds(25)) }
        }
        if let taskloop { try await whileRunning(taskloop, capture) }
        process.waitUntilExit()
        return (process.terminationStatus, try String(contentsOfFile: capture, encoding: .utf8))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs util-linux `script`"))
    func liveProgressRedrawsInPlaceAndLeavesACleanScreen() async throws {
        let folder = try writePipeline()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (exitCode, bytes) = try await runInTerminal(["run", "p.yaml"], in: folder, columns: 72, rows: 20)
        #expect(exitCode == 1)
        // The status area was drawn while steps ran, with the running steps and the bar.
        #expect(bytes.contains("3 running"))
        #expect(bytes.contains("\u{1B}[?2026h"))
        #expect(bytes.contains("█"))

        var terminal = TerminalScreen(columns: 72, rows: 20)
        terminal.feed(bytes)
        #expect(terminal.unknownSequences.isEmpty)
        let history = terminal.history
        // Every output line is on screen once, whole, prefixed with its step.
        for expected in ["[a] alpha-1", "[a] alpha-2", "[a] alpha-3", "[b] beta-1", "[b] beta-2", "[b] beta-3", "[check] checking"] {
            #expect(history.filter { $0 == expected }.count == 1, "\(expected) in \(history)")
        }
        // No status line is left behind once the run is over.
        #expect(!history.contains(where: isStatusLine), "\(history)")
        // Lines of steps come in the order they were printed, and end lines follow output.
        let alpha = history.firstIndex(of: "[a] alpha-1")!
        let alphaEnd = history.firstIndex { $0.hasPrefix("[a] ok in ") }!
        #expect(alpha < alphaEnd)
        // The screen ends with the failure summary, then the log's path.
        let failed = try #require(history.firstIndex(of: "1 step failed:"))
        #expect(history[failed + 2].hasPrefix("  ✗ check at p.yaml:4:3, +"))
        #expect(history[failed + 3] == "    exited with status 4")
        #expect(history[failed + 4] == "    │ checking")
        #expect(history[failed + 5] == "    │ error: 2 files differ")
        #expect(history[failed + 7] == "Cancelled: slow (after the first failure)")
        #expect(history.last?.hasPrefix("events: .taskloop/runs/") == true)
        // Colour is on in a terminal.
        #expect(bytes.contains("\u{1B}[32m"))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs util-linux `script`"))
    func noColorTurnsColourOffButKeepsLiveProgress() async throws {
        let folder = try writePipeline("steps:\n  a: { shell: echo hi; sleep 0.3 }\n")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (exitCode, bytes) = try await runInTerminal(["run", "p.yaml"], in: folder, environment: ["NO_COLOR": "1"])
        #expect(exitCode == 0)
        #expect(bytes.contains("1 running"))
        #expect(!bytes.contains("m\u{1B}") && !bytes.contains("\u{1B}[3"), "no colour codes")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs util-linux `script`"))
    func ctrlCNoticeGoesThroughTheStatusArea() async throws {
        let folder = try writePipeline("steps:\n  a: { shell: echo started-a; sleep 30 }\n  b: { sleep: 30s }\n")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (exitCode, bytes) = try await runInTerminal(["run", "p.yaml"], in: folder, columns: 90) { taskloop, capture in
            for _ in 0..<200 {
                if ((try? String(contentsOfFile: capture, encoding: .utf8)) ?? "").contains("2 running") { break }
                try await Task.sleep(for: .milliseconds(25))
            }
            kill(taskloop, SIGINT)
        }
        #expect(exitCode == 130)
        var terminal = TerminalScreen(columns: 90, rows: 24)
        terminal.feed(bytes)
        #expect(terminal.unknownSequences.isEmpty)
        let history = terminal.history
        let notice = "taskloop: stopping (SIGINT): cancelling running steps; send it again to exit at once"
        #expect(history.filter { $0 == notice }.count == 1, "\(history)")
        #expect(history.filter { $0 == "[a] started-a" }.count == 1)
        #expect(!history.contains(where: isStatusLine), "\(history)")
        #expect(history.contains { $0.hasPrefix("Cancelled: a, b") })
    }

    @Test func withoutATerminalProgressIsPlainTimestampedLines() throws {
        let folder = try writePipeline()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = try TaskloopBinary.run(["run", "p.yaml"], in: folder)
        #expect(result.exitCode == 1)
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        let stamp = #/^\d\d:\d\d:\d\d\.\d\d\d \[(\w+)\] (.*)$/#
        let events = lines.compactMap { try? stamp.wholeMatch(in: $0) }.map { "\($0.1) \($0.2)" }
        #expect(events.contains("a started"))
        #expect(events.contains("check started"))
        #expect(events.contains { $0.hasPrefix("a ok in ") })
        #expect(events.contains { $0.hasPrefix("check FAILED in ") && $0.hasSuffix(": exited with status 4") })
        #expect(events.contains("deploy skipped: needs `check`, which did not succeed"))
        #expect(events.contains { $0.hasPrefix("slow cancelled after ") })
        #expect(lines.contains("[a] alpha-2"))
        #expect(!result.standardOutput.contains("\u{1B}["), "no escape codes outside a terminal")
    }

    @Test func groupedOutputPrintsEachStepWholeWhenItEnds() throws {
        let folder = try writePipeline()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = try TaskloopBinary.run(["run", "p.yaml", "--output", "grouped"], in: folder)
        #expect(result.exitCode == 1)
        #expect(result.standardOutput.contains("── a ──\nalpha-1\nalpha-2\nalpha-3\n"))
        #expect(result.standardOutput.contains("── b ──\nbeta-1\nbeta-2\nbeta-3\n"))
        #expect(result.standardOutput.contains("── check ──\nchecking\nerror: 2 files differ\n"))
        #expect(!result.standardOutput.contains("[a] alpha"))
    }

    @Test func onGitHubActionsEachStepsOutputIsAGroup() throws {
        let folder = try writePipeline()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = try TaskloopBinary.run(["run", "p.yaml"], in: folder, environment: ["GITHUB_ACTIONS": "true"])
        #expect(result.exitCode == 1)
        let output = result.standardOutput
        let group = #/::group::a \(ok in [^)]+\)\nalpha-1\nalpha-2\nalpha-3\n::endgroup::\n/#
        #expect(output.contains(group))
        let failed = #/::group::check \(FAILED in [^)]+\)\nchecking\nerror: 2 files differ\n::endgroup::\n[\d:.]+ \[check\] FAILED in /#
        #expect(output.contains(failed))
        // Groups never nest or interleave: each ::group:: is closed before the next opens.
        var open = false
        for line in output.split(separator: "\n") {
            if line.hasPrefix("::group::") { #expect(!open); open = true }
            if line == "::endgroup::" { #expect(open); open = false }
        }
        #expect(!open)
    }

    @Test func quietPrintsOnlyFailuresWithTheirOutputAndTheSummary() throws {
        let folder = try writePipeline()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = try TaskloopBinary.run(["run", "p.yaml", "--quiet"], in: folder)
        #expect(result.exitCode == 1)
        let output = result.standardOutput
        #expect(!output.contains("alpha"))
        #expect(!output.contains("started"))
        #expect(!output.contains("] ok in"))
        #expect(output.contains("── check ──\nchecking\nerror: 2 files differ\n"))
        #expect(output.contains("[check] FAILED in "))
        #expect(output.contains("1 step failed:"))
        #expect(output.contains("\nstep "))
    }

    @Test func verboseNamesWhatEachStepRuns() throws {
        let folder = try writePipeline("steps:\n  a: { shell: echo hi }\n  b: { needs: a, sleep: 10ms }\n")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = try TaskloopBinary.run(["run", "p.yaml", "-v"], in: folder)
        #expect(result.exitCode == 0)
        #expect(result.standardOutput.contains("[a] started: echo hi\n"))
        #expect(result.standardOutput.contains("[b] started: sleep 10ms\n"))
    }

    @Test func quietAndVerboseTogetherAreRefused() throws {
        let folder = try writePipeline("steps:\n  a: { shell: echo hi }\n")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = try TaskloopBinary.run(["run", "p.yaml", "-q", "-v"], in: folder)
        #expect(result.exitCode == 2)
        #expect(result.standardError.contains("--quiet and --verbose cannot be used together"))
    }
}
