import Foundation
import Testing
@testable import Taskloop

/// Writes `files` (path relative to a new folder → text) and returns the folder.
private func writeFiles(_ files: [String: String]) throws -> String {
    let folder = try makeTemporaryDirectory()
    for (path, text) in files {
        let file = folder + "/" + path
        try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: file, atomically: true, encoding: .utf8)
    }
    return folder
}

/// `file:line:column: message` of each diagnostic, with paths relative to `folder`.
private func problems(of error: PipelineLoadError, in folder: String) -> [String] {
    error.diagnostics.map { diagnostic in
        let location = diagnostic.location.map { "\($0.file.replacingOccurrences(of: folder + "/", with: "")):\($0.line):\($0.column): " } ?? ""
        return location + diagnostic.problem.message
    }
}

/// Top-level `include:` merges the steps of other files; every diagnostic
/// points into the file that has the problem.
@Suite struct IncludeTests {
    @Test func includedStepsComeFirstAndKeepTheirFile() throws {
        let folder = try writeFiles([
            "main.yaml": """
                include: [common.yaml, ci/lint.yaml]
                steps:
                  all: { needs: [setup, lint, deeper], sleep: 1ms }
                """,
            "common.yaml": """
                steps:
                  setup: { sleep: 1ms }
                """,
            "ci/lint.yaml": """
                include: more.yaml
                steps:
                  lint:
                    needs: setup
                    shell: echo lint
                """,
            "ci/more.yaml": """
                steps:
                  deeper: { sleep: 1ms }
                """,
        ])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let pipeline = try PipelineLoader().load(file: folder + "/main.yaml")
        #expect(pipeline.steps.map(\.id) == ["setup", "deeper", "lint", "all"])
        #expect(pipeline.steps.map(\.location) == [
            SourceLocation(file: folder + "/common.yaml", line: 2, column: 3),
            SourceLocation(file: folder + "/ci/more.yaml", line: 2, column: 3),
            SourceLocation(file: folder + "/ci/lint.yaml", line: 3, column: 3),
            SourceLocation(file: folder + "/main.yaml", line: 3, column: 3),
        ])
        #expect(pipeline.step("lint")?.needs.first?.location == SourceLocation(file: folder + "/ci/lint.yaml", line: 4, column: 12))
        // Relative paths of every step start from the main file's folder.
        #expect(pipeline.directory == folder)
    }

    @Test func aFileIncludedTwiceIsReadOnce() throws {
        let folder = try writeFiles([
            "main.yaml": "include: [a.yaml, b.yaml]\n",
            "a.yaml": "include: shared.yaml\nsteps:\n  a: { needs: s, sleep: 1ms }\n",
            "b.yaml": "include: ./shared.yaml\nsteps:\n  b: { needs: s, sleep: 1ms }\n",
            "shared.yaml": "steps:\n  s: { sleep: 1ms }\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let pipeline = try PipelineLoader().load(file: folder + "/main.yaml")
        #expect(pipeline.steps.map(\.id) == ["s", "a", "b"])
    }

    @Test func anIncludeCycleIsAnErrorNamingTheChain() throws {
        let folder = try writeFiles([
            "main.yaml": "include: a.yaml\nsteps:\n  m: { sleep: 1ms }\n",
            "a.yaml": "include: sub/b.yaml\nsteps:\n  a: { sleep: 1ms }\n",
            "sub/b.yaml": "steps:\n  b: { sleep: 1ms }\ninclude: [../main.yaml]\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let error = try #require(throws: PipelineLoadError.self) { try PipelineLoader().load(file: folder + "/main.yaml") }
        #expect(problems(of: error, in: folder) == [
            "sub/b.yaml:3:11: include cycle: \(folder)/main.yaml -> \(folder)/a.yaml -> \(folder)/sub/b.yaml -> \(folder)/sub/../main.yaml; remove one of these includes",
        ])
    }

    @Test func aStepIdInTwoFilesNamesBothPlaces() throws {
        let folder = try writeFiles([
            "main.yaml": "include: checks.yaml\nsteps:\n  build: { sleep: 1ms }\n  lint: { sleep: 1ms }\n",
            "checks.yaml": "steps:\n  lint: { shell: echo lint }\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let error = try #require(throws: PipelineLoadError.self) { try PipelineLoader().load(file: folder + "/main.yaml") }
        #expect(problems(of: error, in: folder) == [
            "main.yaml:4:3: step id `lint` is declared twice: at \(folder)/checks.yaml:2:3 and here; rename one (the main file and the files it includes share one set of step ids)",
        ])
        #expect(error.rendered.hasPrefix("""
            \(folder)/main.yaml:4:3: error: step id `lint` is declared twice: at \(folder)/checks.yaml:2:3 and here; rename one (the main file and the files it includes share one set of step ids)
              lint: { sleep: 1ms }
              ^
            """))
    }

    @Test func aMissingIncludedFileIsAnErrorAtTheIncludeEntry() throws {
        let folder = try writeFiles([
            "main.yaml": "include:\n  - common.yaml\n  - missing.yaml\nsteps:\n  a: { sleep: 1ms }\n",
            "common.yaml": "steps:\n  c: { sleep: 1ms }\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let error = try #require(throws: PipelineLoadError.self) { try PipelineLoader().load(file: folder + "/main.yaml") }
        #expect(problems(of: error, in: folder) == [
            "main.yaml:3:5: cannot include `missing.yaml`: there is no file `\(folder)/missing.yaml`; an included path is relative to the folder of the file that includes it",
        ])
    }

    @Test func problemsInAnIncludedFileShowItsLinesWithACaret() throws {
        let folder = try writeFiles([
            "main.yaml": "limits: { pools: { api: 2 } }\ninclude: [ci/checks.yaml]\nsteps:\n  a: { sleep: 1ms }\n",
            "ci/checks.yaml": """
                limits: { io: 4 }
                steps:
                  check:
                    pool: api
                    shel: echo
                  report:
                    needs: check
                    shell: echo ${{ params.who }}
                """,
        ])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let error = try #require(throws: PipelineLoadError.self) { try PipelineLoader().load(file: folder + "/main.yaml") }
        let checks = folder + "/ci/checks.yaml"
        #expect(error.rendered == """
            \(checks):1:1: error: `limits` belongs in the main pipeline file: an included file holds only `steps:` and `include:`
            limits: { io: 4 }
            ^

            \(checks):5:5: error: unknown key `shel` in step `check`; did you mean `shell`?
                shel: echo
                ^

            \(checks):8:21: error: `shell` of step `report`: unknown parameter `who`
                shell: echo ${{ params.who }}
                                ^

            3 errors in \(folder)/main.yaml
            """)
    }

    @Test func theEventLogRecordsTheFileOfEachIncludedStep() async throws {
        let folder = try writeFiles([
            "main.yaml": "include: [ci/checks.yaml]\nsteps:\n  own: { needs: check, sleep: 1ms }\n",
            "ci/checks.yaml": "steps:\n  check:\n    matrix: { n: [1, 2] }\n    shell: echo ${{ matrix.n }}\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let main = folder + "/main.yaml"
        let pipeline = try PipelineLoader().load(file: main)
        let options = RunOptions(policy: .failFast, terminationGracePeriod: .seconds(2), workerLaunch: workerLaunch)
        let report = try await PipelineRunner(pipeline: pipeline, options: options).run(console: nil, interrupter: RunInterrupter())
        let checks = folder + "/ci/checks.yaml"
        #expect(report.record.steps.map { "\($0.id) \($0.file) \($0.status?.rawValue ?? "-")" } == [
            "check[n=1] \(checks) success", "check[n=2] \(checks) success", "own \(main) success",
        ])
        let log = try EventLog.read(path: report.eventLogPath)
        let declarations = log.events.compactMap { event -> [RunStarted.StepDeclaration]? in
            if case .runStarted(let started) = event.payload { return started.steps }
            return nil
        }.first ?? []
        #expect(declarations.map { "\($0.id) \($0.file ?? "-"):\($0.line):\($0.column)" } == [
            "check[n=1] \(checks):2:3", "check[n=2] \(checks):2:3", "own -:3:3",
        ])
    }
}
