import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `taskloop run` in CI: `--junit`, `--json`, and the GitHub Actions
/// annotations and job summary, written after a failing run.
@Suite(.serialized) struct CIReportCommandTests {
    /// `build` succeeds, `lint` fails with continue-on-error (line 5), `test`
    /// fails (line 9), `deploy` is skipped.
    static let pipeline = """
        name: ci-check
        steps:
          build:
            shell: echo built
          lint:
            continue-on-error: true
            shell: |
              echo 'style problem' >&2; exit 3
          test:
            needs: [build, lint]
            shell: |
              echo 'running 3 tests' >&2; echo 'assertion failed: 2 == 3' >&2; exit 2
          deploy: { needs: test, shell: echo never }
        """

    func makeFolder() throws -> String {
        let folder = try makeScratchFolder()
        try FileManager.default.createDirectory(atPath: folder + "/ci", withIntermediateDirectories: true)
        try Self.pipeline.write(toFile: folder + "/ci/p.yaml", atomically: true, encoding: .utf8)
        return folder
    }

    @Test func junitAndJSONDescribeTheFailedRun() throws {
        let folder = try makeFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = try TaskloopBinary.run(
            ["run", "ci/p.yaml", "--junit", "out/junit.xml", "--json", "out/result.json"], in: folder,
            environment: ["GITHUB_ACTIONS": "false"])
        #expect(result.exitCode == 1, "\(result.standardError)")
        #expect(result.standardOutput.contains("junit: out/junit.xml\njson: out/result.json\n"))
        #expect(!result.standardOutput.contains("::error"))

        let document = try XMLDocument(contentsOf: URL(fileURLWithPath: folder + "/out/junit.xml"), options: [])
        let suite = try #require(document.rootElement()?.elements(forName: "testsuite").first)
        #expect(suite.attribute(forName: "name")?.stringValue == "ci-check")
        #expect(suite.attribute(forName: "tests")?.stringValue == "4")
        #expect(suite.attribute(forName: "failures")?.stringValue == "2")
        #expect(suite.attribute(forName: "skipped")?.stringValue == "1")
        let cases = suite.elements(forName: "testcase")
        #expect(cases.compactMap { $0.attribute(forName: "name")?.stringValue } == ["build", "lint", "test", "deploy"])
        let test = cases[2]
        #expect(test.attribute(forName: "file")?.stringValue == "ci/p.yaml")
        #expect(test.attribute(forName: "line")?.stringValue == "9")
        let failure = try #require(test.elements(forName: "failure").first)
        #expect(failure.attribute(forName: "message")?.stringValue == "exited with status 2")
        #expect(failure.attribute(forName: "type")?.stringValue == "exit 2")
        #expect(failure.stringValue?.contains("assertion failed: 2 == 3") == true)
        let output = test.elements(forName: "system-out").first?.stringValue ?? ""
        #expect(output.contains("running 3 tests\n") && output.contains("assertion failed: 2 == 3\n"))
        #expect(cases[3].elements(forName: "skipped").first?.attribute(forName: "message")?.stringValue
            == "needs `test`, which did not succeed")

        let json = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: folder + "/out/result.json"))) as? [String: Any])
        #expect(json["format"] as? String == "taskloop-result")
        #expect(json["pipeline"] as? String == "ci-check")
        #expect(json["file"] as? String == "ci/p.yaml")
        #expect(json["status"] as? String == "failure")
        #expect(json["exit_code"] as? Int == 1)
        #expect(json["counts"] as? [String: Int] == ["steps": 4, "succeeded": 1, "failed": 2, "cancelled": 0, "skipped": 1])
        let events = try #require(json["events"] as? String)
        #expect(FileManager.default.fileExists(atPath: events.hasPrefix("/") ? events : folder + "/" + events))
        let steps = try #require(json["steps"] as? [[String: Any]])
        #expect(steps.compactMap { $0["status"] as? String } == ["success", "failure", "failure", "skipped"])
        #expect(steps[1]["continue_on_error"] as? Bool == true)
        #expect(steps[2]["exit_code"] as? Int == 2)
        #expect((steps[2]["output"] as? [String: Any])?["text"] as? String == "running 3 tests\nassertion failed: 2 == 3\n")
        // Only the finished files are left: the temporary ones were renamed into place.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/out").sorted() == ["junit.xml", "result.json"])
    }

    @Test func underGitHubActionsFailuresAreAnnotatedAndSummarised() throws {
        let folder = try makeFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let summary = folder + "/summary.md"
        try "# Earlier step\n\nkept\n".write(toFile: summary, atomically: true, encoding: .utf8)
        let result = try TaskloopBinary.run(
            ["run", "ci/p.yaml"], in: folder, environment: ["GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary])
        #expect(result.exitCode == 1, "\(result.standardError)")
        #expect(result.standardOutput.contains(
            "\n::error file=ci/p.yaml,line=9,col=3,title=Step test failed::exited with status 2%0A"))
        #expect(result.standardOutput.contains("%0Aassertion failed: 2 == 3\n"))
        #expect(result.standardOutput.contains(
            "\n::warning file=ci/p.yaml,line=5,col=3,title=Step lint failed (continue-on-error)::exited with status 3%0Astyle problem\n"))
        #expect(result.standardOutput.components(separatedBy: "::error ").count == 2)

        let text = try String(contentsOfFile: summary, encoding: .utf8)
        #expect(text.hasPrefix("# Earlier step\n\nkept\n\n## ❌ ci-check failed\n"))
        #expect(text.contains("**`test`** (`ci/p.yaml:9`): exited with status 2\n"))
        #expect(text.contains("| `deploy` | ⏭️ skipped: needs `test`, which did not succeed | - | 0 |\n"))
    }

    @Test func aJobSummaryThatIsANamedPipeIsRefusedNotWaitedOn() throws {
        // Nobody reads the pipe: the run hung appending its summary there.
        let folder = try makeFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let summary = folder + "/summary.pipe"
        #expect(mkfifo(summary, 0o600) == 0)
        let result = try TaskloopBinary.run(
            ["run", "ci/p.yaml"], in: folder, environment: ["GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary],
            launcher: ["/usr/bin/timeout", "-s", "KILL", "60"])
        #expect(result.exitCode == 1, "\(result.standardError)")
        #expect(result.standardError.contains(
            "error: cannot write the job summary (GITHUB_STEP_SUMMARY) to \(summary): it is a named pipe (FIFO), whose writes wait for a reader"),
            "\(result.standardError)")
    }

    @Test func aReportThatCannotBeWrittenIsAnErrorAndTheRunKeepsItsExitCode() throws {
        let folder = try makeFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = try TaskloopBinary.run(
            ["run", "ci/p.yaml", "--junit", "ci/p.yaml/junit.xml", "--json", "result.json"], in: folder,
            environment: ["GITHUB_ACTIONS": "false"])
        #expect(result.exitCode == 1)
        #expect(result.standardError.contains("error: cannot write the JUnit report to ci/p.yaml/junit.xml: "))
        #expect(result.standardError.contains("; choose a path in a folder you can write to\n"))
        #expect(FileManager.default.fileExists(atPath: folder + "/result.json"))
    }

    /// A successful run whose asked-for files cannot all be written exits 1,
    /// names each path with why, and announces only the files written; the
    /// JSON result, written last, records that exit status.
    @Test func aSuccessfulRunWhoseReportsCannotBeWrittenExitsOne() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "steps:\n  ok: { shell: echo ok }\n".write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        try "a file".write(toFile: folder + "/blocker", atomically: true, encoding: .utf8)
        let result = try TaskloopBinary.run(
            ["run", "p.yaml", "--trace", "blocker/t.json", "--report", "deep/er/r.html", "--json", "out/result.json"], in: folder,
            environment: ["GITHUB_ACTIONS": "false"])
        #expect(result.exitCode == 1)
        #expect(result.standardError.contains("error: cannot write the trace to blocker/t.json: "))
        #expect(!result.standardOutput.contains("trace: "))
        #expect(result.standardOutput.contains("report: deep/er/r.html\n"))
        #expect(FileManager.default.fileExists(atPath: folder + "/deep/er/r.html"))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/out/result.json"))) as? [String: Any]
        #expect(json?["exit_code"] as? Int == 1)

        let again = try TaskloopBinary.run(["timeline", try Self.onlyRunID(in: folder), "--report", "blocker/r.html"], in: folder)
        #expect(again.exitCode == 1)
        #expect(again.standardError.contains("error: cannot write the HTML report to blocker/r.html: "))
    }

    static func onlyRunID(in folder: String) throws -> String {
        let runs = try FileManager.default.contentsOfDirectory(atPath: folder + "/.taskloop/runs")
        return try #require(runs.first)
    }
}
