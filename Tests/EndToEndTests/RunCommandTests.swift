import Foundation
import Taskloop
import TaskloopTestServer
import Testing

/// `taskloop run` as a user runs it: the real binary on real pipeline files.
@Suite(.serialized) struct RunCommandTests {
    @Test func theHelloExampleRuns() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.copyItem(atPath: TaskloopBinary.packageRoot + "/pipelines/hello.yaml", toPath: folder + "/hello.yaml")
        let result = try TaskloopBinary.run(["run", "hello.yaml"], in: folder)
        #expect(result.exitCode == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("[greet] hello from greet\n"))
        #expect(result.standardOutput.contains("[show] greeted and rested\n"))
        #expect(result.standardOutput.contains("· 4 succeeded"))
        #expect(try String(contentsOfFile: folder + "/out/notes.txt", encoding: .utf8) == "greeted and rested\n")
        let runs = try FileManager.default.contentsOfDirectory(atPath: folder + "/.taskloop/runs")
        #expect(runs.count == 1)
        #expect(try EventLog.read(path: folder + "/.taskloop/runs/\(runs[0])/events.jsonl").isComplete)
    }

    /// Every pipeline in `pipelines/`; those that call an API (`base-url`) get a local server.
    @Test func everyExamplePipelineSucceeds() async throws {
        let examples = try FileManager.default.contentsOfDirectory(atPath: TaskloopBinary.packageRoot + "/pipelines")
            .filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(examples.count >= 5)
        let server = try await TestHTTPServer.start()
        for example in examples {
            let folder = try makeScratchFolder()
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let source = TaskloopBinary.packageRoot + "/pipelines/" + example
            try FileManager.default.copyItem(atPath: source, toPath: folder + "/" + example)
            // The files examples include live in `pipelines/common`.
            try FileManager.default.copyItem(atPath: TaskloopBinary.packageRoot + "/pipelines/common", toPath: folder + "/common")
            var arguments = ["run", example]
            if try String(contentsOfFile: source, encoding: .utf8).contains("params.base-url") {
                arguments += ["--param", "base-url=\(server.baseURL)"]
            }
            let result = try TaskloopBinary.run(arguments, in: folder)
            #expect(result.exitCode == 0, "\(example): \(result.standardOutput)\(result.standardError)")
        }
        try await server.stop()
    }

    @Test func aFailedStepExitsWithOneAndSummarisesTheFailureFirst() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try """
            steps:
              compile:
                shell: |
                  echo 'error: missing semicolon' >&2; exit 2
              test: { needs: compile, shell: echo never }
            """.write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        let result = try TaskloopBinary.run(["run", "p.yaml"], in: folder)
        #expect(result.exitCode == 1)
        #expect(result.standardOutput.contains("[compile] error: missing semicolon\n"))
        #expect(result.standardOutput.contains(
            "1 step failed:\n\n  ✗ compile at p.yaml:2:3, +"))
        #expect(result.standardOutput.contains("\n    exited with status 2\n    │ error: missing semicolon\n"))
        #expect(result.standardOutput.contains("[test] skipped: needs `compile`, which did not succeed\n"))
        #expect(!result.standardOutput.contains("never"))
    }

    @Test func eventsGoWhereTheFlagSays() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "steps:\n  a: { sleep: 1ms }\n".write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        let result = try TaskloopBinary.run(["run", "p.yaml", "--events", "logs/mine.jsonl"], in: folder)
        #expect(result.exitCode == 0)
        let events = try EventLog.read(path: folder + "/logs/mine.jsonl").events
        #expect(events.filter { if case .loopLag = $0.payload { return false }; return true }.count == 5)
        #expect(!FileManager.default.fileExists(atPath: folder + "/.taskloop"))
    }

    @Test func parametersMustBeDeclared() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "params: { who: world }\nsteps:\n  a: { sleep: 1ms }\n".write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        let unknown = try TaskloopBinary.run(["run", "p.yaml", "--param", "woh=you"], in: folder)
        #expect(unknown.exitCode == 2)
        #expect(unknown.standardError == "error: unknown parameter `woh`; did you mean `who`?\n")
        let malformed = try TaskloopBinary.run(["run", "p.yaml", "--param", "who"], in: folder)
        #expect(malformed.exitCode == 2)
        #expect(malformed.standardError.contains("--param expects key=value, got `who`"))
        let good = try TaskloopBinary.run(["run", "p.yaml", "--param", "who=you"], in: folder)
        #expect(good.exitCode == 0)
    }

    @Test func dryRunPrintsThePlanAndRunsNothing() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try """
            steps:
              late: { needs: early, file: { write: x.txt, content: "" } }
              early: { shell: echo hi }
            """.write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        let result = try TaskloopBinary.run(["run", "p.yaml", "--dry-run"], in: folder)
        #expect(result.exitCode == 0)
        #expect(result.standardOutput == """
            p: would run 2 steps (io limit 256):
              1. early  would run  [shell] echo hi
              2. late   would run  [file] write x.txt  (after early)

            """)
        #expect(!FileManager.default.fileExists(atPath: folder + "/x.txt"))
    }

    @Test func badUsageExitsWithTwo() throws {
        let missing = try TaskloopBinary.run(["run"])
        #expect(missing.exitCode == 2)
        #expect(missing.standardError.contains("Missing expected argument '<file>'"))
        let unknown = try TaskloopBinary.run(["frobnicate"])
        #expect(unknown.exitCode == 2)
        let noFile = try TaskloopBinary.run(["run", "/nonexistent/p.yaml"])
        #expect(noFile.exitCode == 2)
        #expect(noFile.standardError.contains("cannot read `/nonexistent/p.yaml`: no such file; check the path"))
    }

    /// A bad value for a flag is refused before anything runs, naming the flag and the value.
    @Test func badFlagValuesNameTheFlag() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "steps:\n  a: { shell: touch ran }\n".write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        let cases: [([String], String)] = [
            (["--grace", "5x"], "--grace expects a duration such as 100ms, 1.5s or 10m, got `5x`"),
            (["--timeout", "soon"], "--timeout expects a duration such as 100ms, 1.5s or 10m, got `soon`"),
            (["--loop-stall-threshold", "fast"], "--loop-stall-threshold expects a duration such as 100ms, 1.5s or 10m, got `fast`"),
            (["--timeout", "0s"], "--timeout must be longer than 0, got `0s`"),
            (["--loop-stall-threshold", "0ms"], "--loop-stall-threshold must be longer than 0, got `0ms`"),
            (["--param", "novalue"], "--param expects key=value, got `novalue`"),
            (["--progress", "fancy"], "--progress"),
            (["--output", "mixed"], "--output"),
        ]
        for (flags, message) in cases {
            let result = try TaskloopBinary.run(["run", "p.yaml"] + flags, in: folder)
            #expect(result.exitCode == 2, "\(flags)")
            #expect(result.standardError.contains(message), "\(flags): \(result.standardError)")
        }
        #expect(!FileManager.default.fileExists(atPath: folder + "/ran"))
    }

    @Test func helpTeachesTheCommands() throws {
        let help = try TaskloopBinary.run(["--help"])
        #expect(help.exitCode == 0)
        for word in ["run", "validate", "graph", "timeline", "steps", "why", "cache", "Exit codes", "--junit", "secrets:"] {
            #expect(help.standardOutput.contains(word), "\(word)")
        }
        let runHelp = try TaskloopBinary.run(["run", "--help"])
        let flags = [
            "--param", "--keep-going", "--dry-run", "--events", "--trace", "--report", "--junit", "--json", "--skip", "--resume",
            "--timeout", "--grace", "--progress", "--output", "--quiet", "--verbose", "--color",
            "--no-cache", "--force", "--watch", "--on-change",
        ]
        for flag in flags { #expect(runHelp.standardOutput.contains(flag), "\(flag)") }
        for command in [["validate"], ["graph"], ["timeline"], ["steps"], ["why"], ["cache", "stats"], ["cache", "prune"]] {
            let commandHelp = try TaskloopBinary.run(command + ["--help"])
            #expect(commandHelp.exitCode == 0)
            #expect(commandHelp.standardOutput.contains("Example"), "\(command) --help has an example")
        }
    }
}
