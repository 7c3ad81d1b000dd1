import Foundation
import Testing

@Suite(.serialized) struct ValidateAndGraphTests {
    @Test func validateReportsEveryProblemWithItsLineAndCaret() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try """
            steps:
              build:
                shell: make
                need: [fetch]
              test:
                needs: [biuld]
                sleep: soon
            """.write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        let result = try TaskloopBinary.run(["validate", "p.yaml"], in: folder)
        #expect(result.exitCode == 2)
        #expect(result.standardError == """
            p.yaml:4:5: error: unknown key `need` in step `build`; did you mean `needs`?
                need: [fetch]
                ^

            p.yaml:6:13: error: step `test` needs `biuld`, which is not a step of this pipeline; did you mean `build`?
                needs: [biuld]
                        ^

            p.yaml:7:12: error: `sleep` of step `test`: `soon` is not a duration: write a number and a unit, such as 250ms, 1.5s, 2m or 1h (a bare number means seconds)
                sleep: soon
                       ^

            3 errors in p.yaml

            """)
    }

    @Test func anUnreadableFileSaysTheSystemsReason() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "steps:\n  a: { sleep: 0s }\n".write(toFile: folder + "/locked.yaml", atomically: true, encoding: .utf8)
        #expect(chmod(folder + "/locked.yaml", 0) == 0)
        // Root reads a file whatever its mode: run taskloop without the
        // capabilities that let it, as a user without permission.
        let launcher = getuid() == 0 ? ["/usr/bin/setpriv", "--bounding-set=-dac_override,-dac_read_search"] : []
        let result = try TaskloopBinary.run(["validate", "locked.yaml"], in: folder, launcher: launcher)
        #expect(result.exitCode == 2)
        #expect(result.standardError == """
            error: cannot read `locked.yaml`: Permission denied; check that the file exists and is readable

            1 error in locked.yaml

            """)
    }

    @Test func validateWarnsAboutOutputsPastedIntoShellCommands() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try """
            steps:
              api: { shell: echo title }
              show:
                needs: api
                shell: echo "${{ steps.api.outputs.stdout }}"
            """.write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        let result = try TaskloopBinary.run(["validate", "p.yaml"], in: folder)
        #expect(result.exitCode == 0)
        #expect(result.standardOutput == "p.yaml: ok (2 steps)\n")
        #expect(result.standardError.hasPrefix("p.yaml:5:22: warning: step `show` pastes `steps.api.outputs.stdout` into its shell command"))
        #expect(result.standardError.contains("\n    shell: echo \"${{ steps.api.outputs.stdout }}\"\n                     ^\n"))
    }

    @Test func validateAcceptsTheExamples() throws {
        let result = try TaskloopBinary.run(
            ["validate", "pipelines/hello.yaml", "pipelines/build.yaml", "pipelines/outputs.yaml", "pipelines/http-api.yaml"],
            in: TaskloopBinary.packageRoot)
        #expect(result.exitCode == 0)
        #expect(result.standardOutput == """
            pipelines/hello.yaml: ok (4 steps)
            pipelines/build.yaml: ok (11 steps)
            pipelines/outputs.yaml: ok (6 steps)
            pipelines/http-api.yaml: ok (4 steps)

            """)
        #expect(result.standardError == "")
    }

    @Test func graphPrintsTextDotAndMermaid() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try """
            name: g
            steps:
              c: { needs: [a, b], shell: echo c }
              a: { shell: echo a }
              b: { needs: a, sleep: 1s }
            """.write(toFile: folder + "/g.yaml", atomically: true, encoding: .utf8)
        let text = try TaskloopBinary.run(["graph", "g.yaml"], in: folder)
        #expect(text.standardOutput == """
            g: 3 steps in 3 levels
            [1] a  shell  echo a
            [2] b  sleep  sleep 1.00s  <- a
            [3] c  shell  echo c  <- a, b

            """)
        let dot = try TaskloopBinary.run(["graph", "g.yaml", "--format", "dot"], in: folder)
        #expect(dot.standardOutput.hasPrefix("digraph \"g\" {"))
        #expect(dot.standardOutput.contains("  \"a\" -> \"c\";\n  \"b\" -> \"c\";\n  \"a\" -> \"b\";\n"))
        let mermaid = try TaskloopBinary.run(["graph", "g.yaml", "--format", "mermaid"], in: folder)
        #expect(mermaid.standardOutput.contains("flowchart LR\n  s0[\"c (shell)\"]"))
        #expect(mermaid.standardOutput.contains("  s1 --> s0\n"))
        let wrong = try TaskloopBinary.run(["graph", "g.yaml", "--format", "svg"], in: folder)
        #expect(wrong.exitCode == 2)
    }
}
