import Foundation
import Testing

/// `taskloop run FILE STEP...`, `--skip`, and `--dry-run`'s reasons.
@Suite(.serialized) struct SelectionCommandTests {
    /// fetch -> build -> test, and lint on its own; each appends its name to ran.txt.
    let pipeline = """
        steps:
          fetch: { shell: echo fetch >> ran.txt }
          build: { needs: fetch, shell: echo build >> ran.txt }
          test: { needs: build, shell: echo test >> ran.txt }
          lint: { shell: echo lint >> ran.txt }
        """

    func setUp() throws -> String {
        let folder = try makeScratchFolder()
        try pipeline.write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        return folder
    }

    func ran(in folder: String) -> [String] {
        let text = (try? String(contentsOfFile: folder + "/ran.txt", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    @Test func aNamedStepRunsWithWhatItNeedsAndTheOthersAreNotSelected() throws {
        let folder = try setUp()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = try TaskloopBinary.run(["run", "p.yaml", "build"], in: folder)
        #expect(result.exitCode == 0, "\(result.standardError)")
        #expect(ran(in: folder) == ["fetch", "build"])
        #expect(result.standardOutput.contains("[test] skipped: not selected\n"))
        #expect(result.standardOutput.contains("[lint] skipped: not selected\n"))
        #expect(result.standardOutput.contains("· 2 succeeded · 2 skipped"))
    }

    @Test func skipLeavesOutTheStepAndWhatNeedsIt() throws {
        let folder = try setUp()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = try TaskloopBinary.run(["run", "p.yaml", "--skip", "fetch"], in: folder)
        #expect(result.exitCode == 0, "\(result.standardError)")
        #expect(ran(in: folder) == ["lint"])
        #expect(result.standardOutput.contains("[fetch] skipped: skipped by --skip\n"))
        #expect(result.standardOutput.contains("[build] skipped: needs `fetch`, which did not succeed\n"))
        #expect(result.standardOutput.contains("[test] skipped: needs `build`, which did not succeed\n"))
    }

    @Test func anUnknownStepNameIsAnErrorWithASuggestion() throws {
        let folder = try setUp()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = try TaskloopBinary.run(["run", "p.yaml", "biuld"], in: folder)
        #expect(result.exitCode == 2)
        #expect(result.standardError == "error: `biuld` is not a step of p.yaml; did you mean `build`?\n")
        let skip = try TaskloopBinary.run(["run", "p.yaml", "--skip", "lnt"], in: folder)
        #expect(skip.exitCode == 2)
        #expect(skip.standardError == "error: --skip names `lnt`, which is not a step of p.yaml; did you mean `lint`?\n")
        #expect(ran(in: folder).isEmpty)
    }

    @Test func dryRunSaysWhyEachStepWouldOrWouldNotRun() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try """
            params: { deploy: "no" }
            steps:
              fetch: { shell: echo fetch }
              build: { needs: fetch, shell: make }
              test: { needs: build, shell: make test }
              deploy: { needs: test, if: "params.deploy == 'yes'", shell: ./deploy.sh }
              notify: { needs: test, if: failure(), shell: ./notify.sh }
              cleanup: { needs: [build, test], if: always(), shell: rm -rf tmp }
              lint: { shell: swiftlint }
              docs: { needs: lint, shell: make docs }
            """.write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        let result = try TaskloopBinary.run(["run", "p.yaml", "deploy", "notify", "cleanup", "docs", "--skip", "lint", "--dry-run"], in: folder)
        #expect(result.exitCode == 0, "\(result.standardError)")
        #expect(result.standardOutput == """
            p: would run 6 of 8 steps (io limit 256):
              1. fetch    would run                                          [shell] echo fetch
              2. build    would run                                          [shell] make  (after fetch)
              3. test     would run                                          [shell] make test  (after build)
              4. deploy   decided at run time: `if: params.deploy == 'yes'`  [shell] ./deploy.sh  (after test)
              5. notify   runs only after a failure (`if: failure()`)        [shell] ./notify.sh  (after test)
              6. cleanup  would run, also after failures (`if: always()`)    [shell] rm -rf tmp  (after build, test)
              7. lint     skipped by --skip                                  [shell] swiftlint
              8. docs     needs `lint`, which will not run                   [shell] make docs  (after lint)

            """)
        let selected = try TaskloopBinary.run(["run", "p.yaml", "build", "--dry-run"], in: folder)
        #expect(selected.standardOutput.hasPrefix("p: would run 2 of 8 steps (io limit 256):\n"))
        #expect(selected.standardOutput.contains("\n  7. lint     not selected  [shell] swiftlint\n"))
    }

    @Test func runHelpTeachesSelectionAndResuming() throws {
        let help = try TaskloopBinary.run(["run", "--help"])
        #expect(help.exitCode == 0)
        for text in ["<step>", "--skip <step>", "--resume <run-id|events.jsonl>", "Resuming:", "taskloop run pipelines/build.yaml --resume"] {
            #expect(help.standardOutput.contains(text), "\(text)")
        }
    }
}
