import Foundation
import Testing
@testable import Taskloop

/// `--json`: the run's result for scripts, every key present, in a stable order.
@Suite struct JSONRunResultTests {
    func render() -> String {
        JSONRunResult(
            record: CIRunFixture.record, outputs: CIRunFixture.outputs,
            eventLogPath: ".taskloop/runs/20261125-120000-abcd/events.jsonl", exitCode: 1
        ).render()
    }

    @Test func theRunIsDescribed() throws {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(render().utf8)) as? [String: Any])
        #expect(document["format"] as? String == "taskloop-result")
        #expect(document["version"] as? Int == 1)
        #expect(document["run_id"] as? String == "20261125-120000-abcd")
        #expect(document["pipeline"] as? String == "ci")
        #expect(document["file"] as? String == "ci.yaml")
        #expect(document["status"] as? String == "failure")
        #expect(document["reason"] is NSNull)
        #expect(document["exit_code"] as? Int == 1)
        #expect(document["started_at"] as? String == "2026-11-25T12:00:00.000Z")
        #expect(document["duration_s"] as? Double == 1.25)
        #expect(document["events"] as? String == ".taskloop/runs/20261125-120000-abcd/events.jsonl")
        let counts = try #require(document["counts"] as? [String: Int])
        #expect(counts == ["steps": 5, "succeeded": 1, "failed": 2, "cancelled": 1, "skipped": 1])
    }

    @Test func everyStepHasEveryKey() throws {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(render().utf8)) as? [String: Any])
        let steps = try #require(document["steps"] as? [[String: Any]])
        #expect(steps.compactMap { $0["id"] as? String } == ["build", "lint", "test", "upload", "deploy"])
        let keys: Set<String> = [
            "id", "kind", "file", "line", "column", "status", "continue_on_error", "attempts", "start_s", "duration_s",
            "lane", "exit_code", "error", "details", "outputs", "skip_reason", "reused_from", "output",
            "incremental", "incremental_reason",
        ]
        for step in steps { #expect(Set(step.keys) == keys, "\(step["id"] ?? "?")") }

        let test = steps[2]
        #expect(test["kind"] as? String == "shell")
        #expect(test["line"] as? Int == 7)
        #expect(test["column"] as? Int == 3)
        #expect(test["status"] as? String == "failure")
        #expect(test["attempts"] as? Int == 2)
        #expect(test["start_s"] as? Double == 0.6)
        #expect(test["duration_s"] as? Double == 0.6)
        #expect(test["lane"] as? String == "loop")
        #expect(test["exit_code"] as? Int == 2)
        #expect(test["error"] as? String == "exited with status 2 (after 2 attempts)")
        #expect(test["details"] as? [String] == ["assertion failed: 2 == 3"])
        #expect(test["outputs"] as? [String: Int] == ["exit-code": 2])
        #expect(test["skip_reason"] is NSNull)
        let output = try #require(test["output"] as? [String: Any])
        #expect(output["text"] as? String == "ok 1\nok 2\nassertion failed: 2 == 3\n")
        #expect(output["dropped_bytes"] as? Int == 2048)

        #expect(steps[1]["continue_on_error"] as? Bool == true)
        let deploy = steps[4]
        #expect(deploy["file"] as? String == "deploy.yaml")
        #expect(deploy["status"] as? String == "skipped")
        #expect(deploy["skip_reason"] as? String == "needs `test`, which did not succeed")
        #expect(deploy["attempts"] as? Int == 0)
        for key in ["start_s", "duration_s", "lane", "exit_code", "error", "outputs"] { #expect(deploy[key] is NSNull, "\(key)") }
        #expect((deploy["output"] as? [String: Any])?["text"] as? String == "")
    }

    @Test func keysAreSortedSoTheTextIsStable() {
        let text = render()
        #expect(text == render())
        #expect(text.hasPrefix("{\n  \"counts\" : {\n    \"cancelled\" : 1,\n"))
        #expect(text.hasSuffix("\"version\" : 1\n}\n"))
        let topLevel = text.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { $0.split(separator: "\"")[1] }
        #expect(topLevel == topLevel.sorted())
        #expect(topLevel.count == 13)
    }
}
