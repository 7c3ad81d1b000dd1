import Foundation
import Testing

/// `secrets:` values never appear in anything Taskloop writes.
@Suite(.serialized) struct SecretTests {
    static let secret = "sup3r-s3cret-value"

    @Test func aSecretsValueAppearsNowhereTaskloopWrites() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try """
            secrets: [TASKLOOP_TEST_TOKEN]
            steps:
              show:
                shell: |
                  echo "token is $TASKLOOP_TEST_TOKEN"
                  echo "token=$TASKLOOP_TEST_TOKEN" >> "$TASKLOOP_OUTPUT"
              use:
                needs: show
                env: { COPY: "${{ steps.show.outputs.token }}" }
                shell: printf '%s' "$COPY" > used.txt
              fail:
                needs: use
                shell: |
                  echo "rejected $TASKLOOP_TEST_TOKEN" >&2; exit 3
            """.write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        let gitHub = ["GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": folder + "/out/summary.md"]
        for (mode, environment) in [("prefixed", [:]), ("grouped", gitHub)] {
            try? FileManager.default.removeItem(atPath: folder + "/out")
            let flags = [
                "--events", "out/events.jsonl", "--trace", "out/trace.json", "--report", "out/report.html",
                "--junit", "out/junit.xml", "--json", "out/result.json",
            ]
            let result = try TaskloopBinary.run(
                ["run", "p.yaml", "--output", mode] + flags, in: folder,
                environment: environment.merging(["TASKLOOP_TEST_TOKEN": Self.secret]) { $1 })
            #expect(result.exitCode == 1)
            #expect(result.standardOutput.contains("token is ***"), "\(result.standardOutput)")
            #expect(result.standardOutput.contains("rejected ***"))
            #expect(!result.standardOutput.contains(Self.secret), "stdout (\(mode))")
            #expect(!result.standardError.contains(Self.secret), "stderr (\(mode))")
            // The step that needs the value still gets it: masking is only in what Taskloop writes.
            #expect(try String(contentsOfFile: folder + "/used.txt", encoding: .utf8) == Self.secret)
            let files = try #require(FileManager.default.enumerator(atPath: folder)?.allObjects as? [String])
            let written = files.filter { !["p.yaml", "used.txt"].contains($0) }
            for expected in ["events.jsonl", "trace.json", "report.html", "junit.xml", "result.json"] {
                #expect(written.contains("out/" + expected), "\(expected) (\(mode))")
            }
            if mode == "grouped" {
                #expect(written.contains("out/summary.md"))
                #expect(result.standardOutput.contains("::error file=p.yaml,line=11,col=3"))
            }
            for file in written {
                var isFolder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: folder + "/" + file, isDirectory: &isFolder), !isFolder.boolValue else { continue }
                let contents = try String(contentsOfFile: folder + "/" + file, encoding: .utf8)
                #expect(!contents.contains(Self.secret), "\(file) (\(mode))")
            }
            let log = try String(contentsOfFile: folder + "/out/events.jsonl", encoding: .utf8)
            #expect(log.contains(#""token":"***""#))
        }
    }

    /// The log holds `***` for a secret output, not its value: a resumed run
    /// must run that step again rather than hand `***` to the steps after it.
    @Test func resumeRunsAgainAStepWhoseOutputsHadASecretMasked() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try """
            secrets: [TASKLOOP_TEST_TOKEN]
            steps:
              login:
                shell: echo "token=$TASKLOOP_TEST_TOKEN" >> "$TASKLOOP_OUTPUT"
              plain:
                shell: echo "note=hello" >> "$TASKLOOP_OUTPUT"
              use:
                needs: [login, plain]
                env: { COPY: "${{ steps.login.outputs.token }}" }
                shell: test -f fixed && printf '%s' "$COPY" > used.txt
            """.write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        let environment = ["TASKLOOP_TEST_TOKEN": Self.secret]
        let first = try TaskloopBinary.run(["run", "p.yaml", "--progress", "plain"], in: folder, environment: environment)
        #expect(first.exitCode == 1)
        #expect(FileManager.default.createFile(atPath: folder + "/fixed", contents: nil))
        let resumed = try TaskloopBinary.run(["run", "p.yaml", "--resume", "--progress", "plain"], in: folder, environment: environment)
        #expect(resumed.exitCode == 0, "\(resumed.standardOutput)\(resumed.standardError)")
        #expect(resumed.standardOutput.contains("[plain] reused from run "))
        #expect(resumed.standardOutput.contains("[login] started"))
        #expect(try String(contentsOfFile: folder + "/used.txt", encoding: .utf8) == Self.secret)
    }

    /// Output is masked as a stream: a secret cut by the 64 KiB pieces of a
    /// long line, or by the 1 MiB limit of the `stdout` output, leaves no
    /// part of itself anywhere (its first half would pass any later mask).
    @Test func aSecretCutByAChunkOrByTheOutputLimitIsMaskedWhole() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // 65,530 bytes, then the secret across the 64 KiB boundary; and one
        // that starts 5 bytes before the 1 MiB limit of `stdout`.
        try """
            secrets: [TASKLOOP_TEST_TOKEN]
            steps:
              straddle:
                shell: |
                  head -c 65530 /dev/zero | tr '\\0' a; printf '%s tail\\n' "$TASKLOOP_TEST_TOKEN"
              capped:
                shell: |
                  head -c 1048571 /dev/zero | tr '\\0' b; printf '%s\\n' "$TASKLOOP_TEST_TOKEN"; exit 2
            """.write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        let gitHub = ["GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": folder + "/out/summary.md"]
        let start = String(Self.secret.prefix(6))
        for (mode, environment) in [("prefixed", [:]), ("grouped", gitHub)] {
            try? FileManager.default.removeItem(atPath: folder + "/out")
            let result = try TaskloopBinary.run(
                ["run", "p.yaml", "--keep-going", "--output", mode, "--events", "out/events.jsonl",
                 "--junit", "out/junit.xml", "--json", "out/result.json"],
                in: folder, environment: environment.merging(["TASKLOOP_TEST_TOKEN": Self.secret]) { $1 })
            #expect(result.exitCode == 1, "\(result.standardError)")
            #expect(result.standardOutput.contains(String(repeating: "a", count: 100) + "*** tail"), "\(mode)")
            #expect(!result.standardOutput.contains(start), "stdout (\(mode))")
            for file in ["out/events.jsonl", "out/junit.xml", "out/result.json"] {
                let contents = try String(contentsOfFile: folder + "/" + file, encoding: .utf8)
                #expect(!contents.contains(start), "\(file) (\(mode))")
            }
            // The line was not broken where the 64 KiB piece ended.
            #expect(!result.standardOutput.contains(String(repeating: "a", count: 100) + "\n"), "\(mode)")
        }
    }
}
