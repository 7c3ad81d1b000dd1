import Foundation
import Testing
@testable import Taskloop

@Suite struct PipelineLoaderTests {
    @Test func aValidPipelineLoadsWithEveryField() throws {
        let pipeline = try loadFixture("valid-all-fields")
        #expect(pipeline.name == "everything")
        #expect(pipeline.environment == ["SHARED": "1", "COUNT": "3"])
        #expect(pipeline.parameters == ["target": "debug", "level": "2"])
        #expect(pipeline.limits == Limits(io: 8, workers: 3, pools: ["api": 2, "disk": 1]))
        #expect(pipeline.steps.map(\.id) == ["fetch", "build", "report"])
        #expect(pipeline.directory == (fixturePath("valid-all-fields") as NSString).deletingLastPathComponent)

        let fetch = pipeline.steps[0]
        #expect(fetch.kindName == "shell")
        #expect((fetch.action as? ShellStep)?.command == "curl -s example.invalid")
        #expect(fetch.timeout == .seconds(90))
        #expect(fetch.pool == "api")
        #expect(fetch.environment == ["TOKEN": "abc"])
        #expect(fetch.location.line == 9 && fetch.location.column == 3)

        let build = pipeline.steps[1]
        #expect(build.needs.map(\.id) == ["fetch"])
        #expect(build.workingDirectory == "src")
        #expect(build.continueOnError)
        #expect((build.action as? SleepStep)?.duration == .seconds(2))

        let report = pipeline.steps[2]
        #expect(report.needs.map(\.id) == ["fetch", "build"])
        #expect(report.needs[1].location == SourceLocation(file: fixturePath("valid-all-fields"), line: 20, column: 20))
        #expect((report.action as? FileStep)?.operation == .write(path: "out/report.txt", content: "done\n"))
    }

    /// A cycle through thousands of steps is still one line.
    @Test func aLongCycleIsShownByItsEnds() throws {
        let count = 5_000
        let steps = (0..<count).map { "  s\($0): { needs: s\(($0 + 1) % count), sleep: 0s }" }.joined(separator: "\n")
        let error = try #require(throws: PipelineLoadError.self) {
            try PipelineLoader().load(contents: "steps:\n" + steps + "\n", file: "t.yaml")
        }
        #expect(error.diagnostics.map(\.problem.message) == [
            "dependency cycle: s0 -> s1 -> s2 -> s3 -> s4 -> s5 -> s6 -> s7 -> ... 4,990 more ... -> s4998 -> s4999 -> s0; "
                + "remove one of these `needs` to break it",
        ])
        let twelve = (1...12).map { "n\($0)" }
        #expect(PipelineProblem.chain(twelve) == twelve.joined(separator: " -> "))
    }

    /// A time limit of 0 would end what it limits before it began.
    @Test func aTimeoutOfZeroIsRefused() throws {
        let error = try #require(throws: PipelineLoadError.self) {
            try PipelineLoader().load(contents: "timeout: 0s\nsteps:\n  a: { sleep: 0s, timeout: 0ms }\n  b: { sleep: 0s, timeout: 1ms }\n", file: "t.yaml")
        }
        let zero = "a limit of 0 would end it before it began; give a duration longer than 0"
        #expect(error.diagnostics.map(\.summary) == [
            "t.yaml:1:10: error: `timeout` of the pipeline: \(zero)",
            "t.yaml:3:28: error: `timeout` of step `a`: \(zero)",
        ])
    }

    @Test func theNameDefaultsToTheFileName() throws {
        let pipeline = try PipelineLoader().load(contents: "steps:\n  a: { sleep: 1s }\n", file: "ci/nightly.yaml")
        #expect(pipeline.name == "nightly")
        #expect(pipeline.directory == "ci")
        #expect(pipeline.limits == Limits())
    }

    @Test(arguments: [
        ("malformed-yaml", 4, 1, "malformed YAML: did not find expected ',' or ']' (while parsing a flow sequence at line 3, column 12)"),
        ("unknown-top-level-key", 2, 1, "unknown key `stpes` in the pipeline; did you mean `steps`?"),
        ("unknown-step-key", 6, 5, "unknown key `need` in step `test`; did you mean `needs`?"),
        ("step-without-kind", 2, 3, "step `lonely` has no kind: give it one of `shell`, `sleep`, `file`, `http`, `cpu`, or `uses:` for a plugin kind"),
        ("step-with-two-kinds", 4, 5, "step `both` has more than one kind (`shell`, `sleep`): a step has exactly one; split it into steps joined by `needs`"),
        ("wrong-type-needs", 4, 12, "`needs` of step `b` must be a step id or a list of step ids, found a mapping"),
        ("bad-duration", 3, 12, "`sleep` of step `nap`: `5 minutes` is not a duration: write a number and a unit, such as 250ms, 1.5s, 2m or 1h (a bare number means seconds)"),
        ("unknown-need", 4, 13, "step `test` needs `biuld`, which is not a step of this pipeline; did you mean `build`?"),
        ("cycle-three-steps", 3, 12, "dependency cycle: a -> c -> b -> a; remove one of these `needs` to break it"),
        ("self-dependency", 3, 13, "dependency cycle: loop -> loop; remove one of these `needs` to break it"),
        ("unknown-pool", 5, 11, "step `fetch` joins pool `netwrok`, which `limits.pools` does not declare; did you mean `network`?"),
        ("bad-step-id", 2, 3, "step id `build app` may contain only letters, digits, `_`, `.` and `-`"),
        ("duplicate-step", 4, 3, "duplicate key `build` (first given on line 2): each key may appear once; remove or rename one"),
        ("alias-bomb", 7, 8, "the document expands to more than 1,000,000 values through its aliases (aliases that repeat aliases?); refusing to load it"),
    ])
    func eachProblemIsReportedWithItsLineAndColumn(fixture: String, line: Int, column: Int, message: String) throws {
        let found = try TaskloopTests.problems(inFixture: fixture)
        #expect(found.count == 1)
        #expect(found.first?.line == line)
        #expect(found.first?.column == column)
        #expect(found.first?.message == message)
    }

    @Test func everyProblemOfAFileIsReportedInFileOrder() throws {
        let found = try TaskloopTests.problems(inFixture: "several-errors")
        #expect(found.map { "\($0.line):\($0.column)" } == ["2:15", "6:5", "8:12", "9:13", "12:11"])
        #expect(found.map(\.message) == [
            "`io` of `limits` must be a whole number, found the text `many`",
            "unknown key `retries` in step `one`; expected one of `cache`, `continue-on-error`, `cpu`, `cwd`, `env`, `executor`, `file`, `generates`, `http`, `if`, `matrix`, `needs`, `pool`, `retry`, `shell`, `sleep`, `sources`, `timeout`, `uses`, `with`",
            "`sleep` of step `two`: `later` is not a duration: write a number and a unit, such as 250ms, 1.5s, 2m or 1h (a bare number means seconds)",
            "dependency cycle: two -> three -> two; remove one of these `needs` to break it",
            "`file` of step `three` is missing `content`",
        ])
    }

    @Test func renderedErrorsShowTheLineAndACaret() throws {
        do {
            _ = try loadFixture("unknown-step-key")
            Issue.record("the fixture loaded")
        } catch let error as PipelineLoadError {
            let path = fixturePath("unknown-step-key")
            #expect(error.rendered == """
                \(path):6:5: error: unknown key `need` in step `test`; did you mean `needs`?
                    need: [compile]
                    ^

                1 error in \(path)
                """)
        }
    }

    @Test func fileProblemsAreReported() throws {
        do {
            _ = try PipelineLoader().load(file: "/nonexistent/pipeline.yaml")
            Issue.record("a missing file loaded")
        } catch {
            #expect(error.rendered.hasPrefix("error: cannot read `/nonexistent/pipeline.yaml`: no such file; check the path"))
        }
        let empty = problems(inText: "# only a comment\n")
        #expect(empty.map(\.message) == ["the file is empty: a pipeline needs at least a `steps:` mapping"])
        let list = problems(inText: "- a\n- b\n")
        #expect(list.map(\.message) == ["the pipeline must be a mapping with `steps:` (and optionally `name`, `env`, `params`, `limits`), found a list"])
        let noSteps = problems(inText: "name: x\nsteps: {}\n")
        #expect(noSteps.map(\.message) == ["the pipeline has no steps: add a `steps:` mapping from step ids to steps"])
    }

    @Test func aFileIsReadWholeAndItsKindIsNamed() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // Far more than one page, so the read is not a single small chunk.
        let steps = (0..<2_000).map { "  step\($0): { sleep: 0s }\n" }.joined()
        try ("steps:\n" + steps).write(toFile: folder + "/big.yaml", atomically: true, encoding: .utf8)
        let pipeline = try PipelineLoader().load(file: folder + "/big.yaml")
        #expect(pipeline.steps.count == 2_000)
        #expect(pipeline.steps.last?.id == "step1999")

        let failures: [(path: String, prefix: String)] = [
            (folder, "error: cannot read `\(folder)`: it is a folder"),
            (folder + "/big.yaml/inside.yaml", "error: cannot read `\(folder)/big.yaml/inside.yaml`: no such file"),
        ]
        for (path, prefix) in failures {
            do {
                _ = try PipelineLoader().load(file: path)
                Issue.record("\(path) loaded")
            } catch {
                #expect(error.rendered.hasPrefix(prefix), "\(error.rendered)")
            }
        }
        try Data([0x73, 0x74, 0xFF, 0xFE]).write(to: URL(fileURLWithPath: folder + "/binary.yaml"))
        do {
            _ = try PipelineLoader().load(file: folder + "/binary.yaml")
            Issue.record("a file that is not UTF-8 loaded")
        } catch {
            #expect(error.diagnostics.map(\.problem.message) == ["cannot read `\(folder)/binary.yaml`: it is not UTF-8 text; save it as UTF-8"])
        }
    }

    @Test func wholeFileReadsEveryByteOrSaysWhy() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let bytes = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try Data(bytes).write(to: URL(fileURLWithPath: folder + "/data"))
        #expect(try WholeFile.read(folder + "/data").get() == bytes)
        try Data().write(to: URL(fileURLWithPath: folder + "/empty"))
        #expect(try WholeFile.read(folder + "/empty").get() == [])
        #expect(throws: WholeFile.Failure.system(ENOENT)) { try WholeFile.read(folder + "/missing").get() }
        #expect(throws: WholeFile.Failure.folder) { try WholeFile.read(folder).get() }
        #expect(throws: WholeFile.Failure.tooLarge) { try WholeFile.read(folder + "/data", limit: 99_999).get() }
        #expect(try WholeFile.read(folder + "/data", limit: 100_000).get() == bytes)
        // A named pipe nobody writes to is refused at once, not waited on.
        #expect(mkfifo(folder + "/pipe", 0o600) == 0)
        #expect(throws: WholeFile.Failure.special("a named pipe (FIFO)")) { try WholeFile.read(folder + "/pipe").get() }
    }

    @Test func streamingReadersRefuseWhatIsNotARegularFileToo() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data("abc".utf8).write(to: URL(fileURLWithPath: folder + "/data"))
        #expect(mkfifo(folder + "/pipe", 0o600) == 0)
        let file = try WholeFile.openRegular(folder + "/data").get()
        close(file.descriptor)
        #expect(file.status.st_size == 3)
        #expect(throws: WholeFile.Failure.special("a named pipe (FIFO)")) { try WholeFile.openRegular(folder + "/pipe").get() }
        #expect(throws: WholeFile.Failure.special("a character device")) { try WholeFile.openRegular("/dev/zero").get() }
        // The source digest and the cache's copy go through it: neither waits on the pipe.
        #expect(ContentDigest.ofFile(folder + "/data") == ContentDigest.of("abc"))
        #expect(ContentDigest.ofFile(folder + "/pipe") == nil)
        #expect(ContentDigest.ofFile("/dev/zero") == nil)
        #expect(throws: CacheStoreError.self) { try AtomicWrite.copy(folder + "/pipe", to: folder + "/copy", executable: false) }
        #expect(!FileManager.default.fileExists(atPath: folder + "/copy"))
    }

    @Test func fileStepOperationsAreChecked() throws {
        let two = problems(inText: "steps:\n  f: { file: { read: a, mkdir: b } }\n")
        #expect(two.map(\.message) == ["`file` of step `f`: name one operation, not `read`, `mkdir`"])
        let stray = problems(inText: "steps:\n  f:\n    file: { read: a, to: b }\n")
        #expect(stray.map { "\($0.line):\($0.column) \($0.message)" } == [
            "3:22 `to` of `file` of step `f`: does not apply to `read`; it takes `read`",
        ])
    }

    @Test func pluginKindsAreNamedWithUses() throws {
        let unknown = problems(inText: "steps:\n  t: { uses: templat }\n")
        #expect(unknown.map(\.message) == ["step `t` uses unknown kind `templat`: this runner has no plugin kinds (a built-in kind is a key of the step, such as `shell:`)"])
        let strayWith = problems(inText: "steps:\n  t: { shell: echo, with: { a: 1 } }\n")
        #expect(strayWith.map(\.message) == ["step `t` has `with:` but no `uses:`; `with` configures a plugin kind named by `uses`"])
    }

    func problems(inText text: String) -> [(line: Int, column: Int, message: String)] {
        do {
            _ = try PipelineLoader().load(contents: text, file: "p.yaml")
            return []
        } catch {
            return error.diagnostics.map { ($0.location?.line ?? 0, $0.location?.column ?? 0, $0.problem.message) }
        }
    }
}

@Suite struct DiagnosticRenderingTests {
    @Test func windowsLineEndingsStillShowTheLine() throws {
        do {
            _ = try PipelineLoader().load(contents: "steps:\r\n  a:\r\n    shel: echo\r\n", file: "crlf.yaml")
            Issue.record("the file loaded")
        } catch {
            #expect(error.rendered.hasPrefix("crlf.yaml:3:5: error: unknown key `shel` in step `a`; did you mean `shell`?\n    shel: echo\n    ^\n"))
        }
    }

    @Test func tabsAreKeptSoTheCaretLinesUp() {
        let diagnostic = Diagnostic(.badStepID("x y"), at: SourceLocation(file: "t.yaml", line: 1, column: 3))
        #expect(diagnostic.rendered(in: "\t\tx y: 1\n") == "t.yaml:1:3: error: step id `x y` may contain only letters, digits, `_`, `.` and `-`\n\t\tx y: 1\n\t\t^")
    }

    @Test func manyDiagnosticsAreRenderedAsEachAloneWithEachFileAskedForOnce() {
        let texts = ["a.yaml": "steps:\n  x y: 1\r\n  z w: 2\n", "b.yaml": "q r: 1"]
        let diagnostics = [
            Diagnostic(.badStepID("x y"), at: SourceLocation(file: "a.yaml", line: 2, column: 3)),
            Diagnostic(.badStepID("q r"), at: SourceLocation(file: "b.yaml", line: 1, column: 1)),
            Diagnostic(.badStepID("z w"), at: SourceLocation(file: "a.yaml", line: 3, column: 3), severity: .warning),
            Diagnostic(.badStepID("past the end"), at: SourceLocation(file: "a.yaml", line: 9, column: 1)),
            Diagnostic(.noSteps, at: nil),
            Diagnostic(.badStepID("no file"), at: SourceLocation(file: "gone.yaml", line: 1, column: 1)),
        ]
        var asked: [String: Int] = [:]
        let rendered = Diagnostic.render(diagnostics) { path in
            asked[path, default: 0] += 1
            return texts[path]
        }
        #expect(rendered == diagnostics.map { $0.rendered(in: $0.location.flatMap { texts[$0.file] }) })
        #expect(rendered[0].hasSuffix("\n  x y: 1\n  ^"))
        #expect(rendered[3] == diagnostics[3].summary)
        #expect(asked == ["a.yaml": 1, "b.yaml": 1, "gone.yaml": 1])
    }
}
