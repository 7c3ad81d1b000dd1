import Foundation
import Taskloop
import TaskloopTestServer
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Steps with `sources:` and `generates:`: skipped when up to date by
/// content, restored from the local cache, rerun with the reason.
@Suite(.serialized) struct IncrementalRunTests {
    /// `gen` joins the sources without their comment lines; `app` builds from
    /// `gen`'s output. Every step that runs appends its name to `ran.txt`
    /// (which is neither a source nor an output).
    let pipeline = """
        params: { flavour: plain }
        env: { GREETING: hello }
        steps:
          gen:
            sources: [src/*.c]
            generates: [build/list.txt]
            shell: |
              echo gen >> ran.txt
              mkdir -p build && cat src/*.c | grep -v '^//' > build/list.txt
          app:
            needs: gen
            sources: [build/list.txt]
            generates: [build/app]
            env: { MODE: fast }
            shell: |
              echo app >> ran.txt
              (echo "${{ params.flavour }} $GREETING $MODE"; cat build/list.txt) > build/app
        """

    func setUp(_ text: String? = nil) throws -> String {
        let folder = try makeScratchFolder()
        try (text ?? pipeline).write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: folder + "/src", withIntermediateDirectories: true)
        try "int a;\n".write(toFile: folder + "/src/a.c", atomically: false, encoding: .utf8)
        try "int b;\n".write(toFile: folder + "/src/b.c", atomically: false, encoding: .utf8)
        return folder
    }

    /// Runs the pipeline and returns which steps ran (in order), then clears the list.
    func run(_ folder: String, _ extra: [String] = [], file: String = "p.yaml") throws -> (ran: [String], output: String) {
        let result = try TaskloopBinary.run(["run", file, "--progress", "plain"] + extra, in: folder)
        #expect(result.exitCode == 0, "\(result.standardOutput)\n\(result.standardError)")
        let ran = ((try? String(contentsOfFile: folder + "/ran.txt", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        try? FileManager.default.removeItem(atPath: folder + "/ran.txt")
        return (ran, result.standardOutput)
    }

    func why(_ folder: String, _ extra: [String] = []) throws -> String {
        let result = try TaskloopBinary.run(["why", "p.yaml"] + extra, in: folder)
        #expect(result.exitCode == 0, "\(result.standardError)")
        return result.standardOutput
    }

    @Test func anUnchangedRerunRunsNothing() throws {
        let folder = try setUp()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(try run(folder).ran == ["gen", "app"])
        let second = try run(folder)
        #expect(second.ran == [])
        #expect(second.output.contains("[gen] up to date"))
        #expect(second.output.contains("2 up to date"))
    }

    @Test func aNamedPipeAmongTheSourcesIsNotWaitedOn() throws {
        // Opening a FIFO to read waits for a writer: hashing the sources hung here.
        let folder = try setUp("""
            steps:
              gen: { sources: [src/*.c], shell: ls src }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(mkfifo(folder + "/src/pipe.c", 0o600) == 0)
        for round in 0..<2 {
            let result = try TaskloopBinary.run(
                ["run", "p.yaml", "--progress", "plain"], in: folder, launcher: ["/usr/bin/timeout", "-s", "KILL", "60"])
            #expect(result.exitCode == 0, "\(result.standardOutput)\n\(result.standardError)")
            #expect(result.standardOutput.contains(round == 0 ? "[gen] ok" : "[gen] up to date"), "\(result.standardOutput)")
        }
    }

    @Test func aTouchedButIdenticalSourceDoesNotRerun() throws {
        let folder = try setUp()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = try run(folder)
        // New mtime and ctime, same bytes: rehashed, found equal.
        try "int a;\n".write(toFile: folder + "/src/a.c", atomically: true, encoding: .utf8)
        #expect(try run(folder).ran == [])
    }

    @Test func changedContentRerunsWithTheReason() throws {
        let folder = try setUp()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = try run(folder)
        try "int a2;\n".write(toFile: folder + "/src/a.c", atomically: false, encoding: .utf8)
        #expect(try why(folder).contains("gen  would run: source src/a.c changed"))
        let second = try run(folder)
        #expect(second.ran == ["gen", "app"])
        #expect(second.output.contains("[gen] outdated: source src/a.c changed"))
        #expect(try String(contentsOfFile: folder + "/build/app", encoding: .utf8).contains("int a2;"))
    }

    /// Same size, and the mtime set back to what it was: only the ctime and
    /// the content tell, and the stat cache must not trust the old digest.
    @Test func aChangeWithinTheSameMtimeTickIsSeen() throws {
        let folder = try setUp()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/src/a.c"
        var before = stat()
        stat(path, &before)
        _ = try run(folder)
        try "int z;\n".write(toFile: path, atomically: false, encoding: .utf8)
        var times = [before.st_atim, before.st_mtim]
        #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
        #expect(try run(folder).ran == ["gen", "app"])
    }

    @Test func aDeletedOutputIsRestoredFromTheCacheWithoutRunning() throws {
        let folder = try setUp()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = try run(folder)
        let built = try String(contentsOfFile: folder + "/build/app", encoding: .utf8)
        try FileManager.default.removeItem(atPath: folder + "/build/app")
        #expect(try why(folder).contains("app  would be restored from the cache: output build/app missing"))
        let second = try run(folder)
        #expect(second.ran == [])
        #expect(second.output.contains("[app] restored from cache (output build/app missing)"))
        #expect(try String(contentsOfFile: folder + "/build/app", encoding: .utf8) == built)
        // Restored outputs count as the step's last run: the next run is up to date.
        #expect(try run(folder).output.contains("2 up to date"))
    }

    /// A blob whose bytes no longer match the digest it is stored under (a
    /// disk error, a hand edit) is never restored: the step runs, the blob
    /// is replaced by the run's output, and the next restore is right.
    @Test func aDamagedCacheCopyIsNeverRestored() throws {
        let folder = try setUp()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = try run(folder)
        let built = try String(contentsOfFile: folder + "/build/app", encoding: .utf8)
        let store = folder + "/.taskloop/cache/cas"
        let blobs = (FileManager.default.enumerator(atPath: store)?.allObjects as? [String] ?? []).map { store + "/" + $0 }
            .filter { (try? String(contentsOfFile: $0, encoding: .utf8)) == built }
        #expect(blobs.count == 1)
        let blob = try #require(blobs.first)
        try "not what was built\n".write(toFile: blob, atomically: false, encoding: .utf8)
        try FileManager.default.removeItem(atPath: folder + "/build/app")
        let second = try run(folder)
        #expect(second.ran == ["app"])
        #expect(second.output.contains("the cache's copy is damaged (its content no longer matches its digest), and was removed from the cache"))
        #expect(try String(contentsOfFile: folder + "/build/app", encoding: .utf8) == built)
        #expect(try String(contentsOfFile: blob, encoding: .utf8) == built)
        try FileManager.default.removeItem(atPath: folder + "/build/app")
        #expect(try run(folder).output.contains("[app] restored from cache (output build/app missing)"))
        #expect(try String(contentsOfFile: folder + "/build/app", encoding: .utf8) == built)
    }

    @Test func noCacheRunsInsteadOfRestoring() throws {
        let folder = try setUp()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = try run(folder)
        try FileManager.default.removeItem(atPath: folder + "/build/app")
        #expect(try run(folder, ["--no-cache"]).ran == ["app"])
    }

    @Test func forceRunsUpToDateSteps() throws {
        let folder = try setUp()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = try run(folder)
        #expect(try run(folder, ["--force=app"]).ran == ["app"])
        #expect(try run(folder, ["--force"]).ran == ["gen", "app"])
    }

    @Test func changedEnvParamOrCommandReruns() throws {
        let folder = try setUp()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = try run(folder)
        try pipeline.replacingOccurrences(of: "MODE: fast", with: "MODE: slow").write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        let env = try run(folder)
        #expect(env.ran == ["app"])
        #expect(env.output.contains("[app] outdated: env changed"))
        try pipeline.replacingOccurrences(of: "GREETING: hello", with: "GREETING: hi").write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        #expect(try run(folder).output.contains("outdated: pipeline env changed"))
        let param = try run(folder, ["--param", "flavour=spicy"])
        #expect(param.ran == ["app"])
        #expect(param.output.contains("[app] outdated: param flavour changed"))
        try pipeline.replacingOccurrences(of: "grep -v", with: "grep -v -e").write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        let command = try run(folder)
        #expect(command.ran.first == "gen")
        #expect(command.output.contains("[gen] outdated: command changed"))
    }

    /// `gen` reruns for a changed comment but writes the same bytes: `app`,
    /// which depends on gen's output, stays up to date.
    @Test func earlyCutoffKeepsDependentsUpToDate() throws {
        let folder = try setUp()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = try run(folder)
        try "// a comment\nint a;\n".write(toFile: folder + "/src/a.c", atomically: false, encoding: .utf8)
        let second = try run(folder)
        #expect(second.ran == ["gen"])
        #expect(second.output.contains("[app] up to date"))
    }

    @Test func twoConcurrentRunsLeaveAWorkingCache() throws {
        let folder = try setUp()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let first = try TaskloopBinary.start(["run", "p.yaml", "--progress", "plain"], in: folder)
        let second = try TaskloopBinary.start(["run", "p.yaml", "--progress", "plain"], in: folder)
        #expect(first.finish().exitCode == 0)
        #expect(second.finish().exitCode == 0)
        try? FileManager.default.removeItem(atPath: folder + "/ran.txt")
        // Whichever wrote last, the records and cache are whole: a rerun is up to date,
        // and a deleted output comes back from the cache.
        #expect(try run(folder).ran == [])
        try FileManager.default.removeItem(atPath: folder + "/build/app")
        #expect(try run(folder).ran == [])
        #expect(FileManager.default.fileExists(atPath: folder + "/build/app"))
        let leftovers = FileManager.default.enumerator(atPath: folder + "/.taskloop/cache")?.allObjects.compactMap { $0 as? String }
            .filter { $0.contains(".tmp-") } ?? []
        #expect(leftovers.isEmpty)
    }

    @Test func whyExplainsEveryStep() throws {
        let folder = try setUp(pipeline + """

              notes:
                needs: app
                shell: echo notes >> ran.txt
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(try why(folder) == """
            gen    would run: never ran
            app    would run: never ran
            notes  would run: no sources: always runs

            """)
        _ = try run(folder)
        try "int a2;\n".write(toFile: folder + "/src/a.c", atomically: false, encoding: .utf8)
        #expect(try why(folder, ["app"]) == "app  up to date (unless `gen`, which would run first, changes its output)\n")
        let unknown = try TaskloopBinary.run(["why", "p.yaml", "nope"], in: folder)
        #expect(unknown.exitCode == 2)
        #expect(unknown.standardError.contains("`nope` is not a step"))
    }

    @Test func reportsShowUpToDateAndRestoredSteps() throws {
        let folder = try setUp()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = try run(folder)
        try FileManager.default.removeItem(atPath: folder + "/build/app")
        _ = try run(folder, ["--json", "result.json", "--junit", "junit.xml", "--events", "events.jsonl"])
        let json = try String(contentsOfFile: folder + "/result.json", encoding: .utf8)
        #expect(json.contains(#""incremental" : "up-to-date""#))
        #expect(json.contains(#""incremental" : "restored""#))
        #expect(json.contains(#""incremental_reason" : "output build/app missing""#))
        let junit = try String(contentsOfFile: folder + "/junit.xml", encoding: .utf8)
        #expect(junit.contains("restored from the cache, not run (output build/app missing)"))
        let log = try EventLog.read(path: folder + "/events.jsonl")
        let checked = log.events.compactMap { event -> StepChecked? in
            if case .stepChecked(let checked) = event.payload { return checked }
            return nil
        }
        #expect(checked.map(\.outcome) == [.upToDate, .restored])
    }

    @Test func cacheFalseNeverStoresAndCachePruneEmptiesTheStore() throws {
        let folder = try setUp(pipeline.replacingOccurrences(of: "    generates: [build/app]", with: "    generates: [build/app]\n    cache: false"))
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = try run(folder)
        try FileManager.default.removeItem(atPath: folder + "/build/app")
        #expect(try run(folder).ran == ["app"])
        let stats = try TaskloopBinary.run(["cache", "stats", "p.yaml"], in: folder)
        #expect(stats.standardOutput.contains("content store: 1 blob"))
        let prune = try TaskloopBinary.run(["cache", "prune", "--max-size", "0"], in: folder)
        #expect(prune.exitCode == 0)
        #expect(prune.standardOutput.contains("removed 1 blob"))
        try FileManager.default.removeItem(atPath: folder + "/build/list.txt")
        #expect(try run(folder).ran == ["gen"])
    }

    /// A value read from a need's outputs is part of the key once filled in.
    @Test func aChangedOutputReadThroughAnExpressionReruns() throws {
        let folder = try setUp("""
            steps:
              version:
                shell: echo "v=$(cat VERSION)" >> "$TASKLOOP_OUTPUT"
              stamp:
                needs: version
                sources: [src/*.c]
                generates: [out/stamp]
                env: { VERSION: "${{ steps.version.outputs.v }}" }
                shell: |
                  echo stamp >> ran.txt
                  mkdir -p out && echo "$VERSION" > out/stamp
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "1.0\n".write(toFile: folder + "/VERSION", atomically: false, encoding: .utf8)
        #expect(try run(folder).ran == ["stamp"])
        #expect(try run(folder).ran == [])
        try "1.1\n".write(toFile: folder + "/VERSION", atomically: false, encoding: .utf8)
        let changed = try run(folder)
        #expect(changed.ran == ["stamp"])
        #expect(changed.output.contains("[stamp] outdated: env changed"))
    }

    @Test func eachMatrixExpansionHasItsOwnKey() throws {
        let folder = try setUp("""
            steps:
              pack:
                matrix: { level: ["1", "9"] }
                sources: [src/*.c]
                generates: ["out/${{ matrix.level }}.gz"]
                shell: |
                  echo "pack-${{ matrix.level }}" >> ran.txt
                  mkdir -p out && cat src/*.c | gzip -${{ matrix.level }} -n > out/${{ matrix.level }}.gz
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(try run(folder).ran.sorted() == ["pack-1", "pack-9"])
        #expect(try run(folder).ran == [])
        try FileManager.default.removeItem(atPath: folder + "/out/9.gz")
        let restored = try run(folder)
        #expect(restored.ran == [])
        #expect(restored.output.contains("[pack[level=9]] restored from cache (output out/9.gz missing)"))
        #expect(try run(folder, ["--force=pack"]).ran.sorted() == ["pack-1", "pack-9"])
    }

    /// Waits (up to 20 s) until the running process has printed `text` `count` times.
    func waitForOutput(_ process: TaskloopBinary.Running, _ text: String, count: Int = 1) -> Bool {
        for _ in 0..<400 {
            if process.standardOutputSoFar.components(separatedBy: text).count - 1 >= count { return true }
            usleep(50_000)
        }
        return false
    }

    @Test func watchModeRerunsWhatAnEditAffects() throws {
        let folder = try setUp()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let watching = try TaskloopBinary.start(["run", "p.yaml", "--watch", "--progress", "plain"], in: folder)
        #expect(waitForOutput(watching, "for changes (Ctrl-C to stop)"))
        try "int a2;\n".write(toFile: folder + "/src/a.c", atomically: false, encoding: .utf8)
        #expect(waitForOutput(watching, "for changes (Ctrl-C to stop)", count: 2))
        // The run's own outputs (build/) do not trigger another run.
        usleep(500_000)
        watching.signal(SIGINT)
        let result = watching.finish()
        #expect(result.exitCode == 130)
        #expect(result.standardOutput.contains("changed: src/a.c; running again"))
        #expect(result.standardOutput.contains("[gen] outdated: source src/a.c changed"))
        #expect(result.standardOutput.components(separatedBy: "running again").count == 2)
        #expect(try String(contentsOfFile: folder + "/build/app", encoding: .utf8).contains("int a2;"))
    }

    /// A sources folder removed and made again (a `git checkout`, a clean) is
    /// watched again: what is written into the new one, at once or later,
    /// and in a new folder below it, is seen.
    @Test func watchModeFollowsAFolderThatIsRemovedAndMadeAgain() throws {
        let folder = try setUp("""
            steps:
              gen:
                sources: [src/**/*.c]
                shell: cat $(find src -name '*.c' | sort) > all.txt; echo gen >> ran.txt
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let watching = try TaskloopBinary.start(["run", "p.yaml", "--watch", "--progress", "plain"], in: folder)
        #expect(waitForOutput(watching, "for changes (Ctrl-C to stop)"))
        try FileManager.default.removeItem(atPath: folder + "/src")
        #expect(waitForOutput(watching, "for changes (Ctrl-C to stop)", count: 2))
        try FileManager.default.createDirectory(atPath: folder + "/src/new/deeper", withIntermediateDirectories: true)
        try "int again;\n".write(toFile: folder + "/src/new/deeper/again.c", atomically: false, encoding: .utf8)
        #expect(waitForOutput(watching, "for changes (Ctrl-C to stop)", count: 3))
        watching.signal(SIGINT)
        let result = watching.finish()
        #expect(result.exitCode == 130)
        #expect(result.standardOutput.contains("changed: src/new/deeper/again.c; running again"), "\(result.standardOutput)")
        #expect(try String(contentsOfFile: folder + "/all.txt", encoding: .utf8) == "int again;\n")
    }

    /// An http step that saves its body, and a step that reads the file.
    func downloadPipeline(_ url: String) -> String {
        """
        steps:
          fetch:
            sources: []
            http: { url: "\(url)", save: doc.txt }
          use:
            needs: fetch
            sources: [doc.txt]
            shell: echo use >> ran.txt
        """
    }

    /// The saved file's inode and mtime: a rewrite (temporary file, rename) changes both.
    func identity(_ path: String) -> [Int] {
        var info = stat()
        guard stat(path, &info) == 0 else { return [] }
        return [Int(info.st_ino), Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec)]
    }

    @Test func aSavedDownloadIsKeptWhenTheServerSaysNotModified() async throws {
        let server = try await TestHTTPServer.start()
        let folder = try setUp(downloadPipeline(server.baseURL + "/versioned?only=etag"))
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let doc = folder + "/doc.txt"
        #expect(try run(folder).ran == ["use"])
        #expect(try String(contentsOfFile: doc, encoding: .utf8) == "document v1\n")
        let saved = identity(doc)
        #expect(try why(folder).contains(#"fetch  would run: asking the server whether doc.txt changed (If-None-Match "v1")"#))

        let second = try run(folder)
        #expect(server.document.notModifiedCount == 1)
        #expect(second.ran == [])
        #expect(second.output.contains("[fetch] up to date (server says not modified (304))"))
        #expect(second.output.contains("2 up to date"))
        #expect(identity(doc) == saved)

        // A new version on the server: downloaded again, and what reads it runs.
        server.document.publish("v2", modified: 1_800_000_000)
        let third = try run(folder)
        #expect(server.document.notModifiedCount == 1)
        #expect(third.output.contains("[fetch] outdated: the server sent a new version (200)"))
        #expect(third.ran == ["use"])
        #expect(try String(contentsOfFile: doc, encoding: .utf8) == "document v2\n")

        // The file changed here: no validators are sent (a 304 would keep the edit).
        try "edited\n".write(toFile: doc, atomically: false, encoding: .utf8)
        let edited = try run(folder)
        #expect(edited.output.contains("[fetch] outdated: output doc.txt changed"))
        #expect(server.document.notModifiedCount == 1)
        #expect(try String(contentsOfFile: doc, encoding: .utf8) == "document v2\n")

        // Nor when it is gone.
        try FileManager.default.removeItem(atPath: doc)
        let removed = try run(folder)
        #expect(removed.output.contains("[fetch] outdated: output doc.txt missing"))
        #expect(server.document.notModifiedCount == 1)
        #expect(try String(contentsOfFile: doc, encoding: .utf8) == "document v2\n")
        #expect(try run(folder).output.contains("[fetch] up to date (server says not modified (304))"))
        #expect(server.document.notModifiedCount == 2)
        try await server.stop()
    }

    @Test func aDownloadWithOnlyLastModifiedAsksWithIfModifiedSince() async throws {
        let server = try await TestHTTPServer.start()
        let folder = try setUp(downloadPipeline(server.baseURL + "/versioned?only=last-modified"))
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let doc = folder + "/doc.txt"
        _ = try run(folder)
        let saved = identity(doc)
        #expect(try why(folder).contains("(If-Modified-Since Tue, 14 Nov 2023 22:13:20 GMT)"))
        let second = try run(folder)
        #expect(server.document.notModifiedCount == 1)
        #expect(second.output.contains("[fetch] up to date (server says not modified (304))"))
        #expect(identity(doc) == saved)
        server.document.publish("v2", modified: 1_800_000_000)
        let third = try run(folder)
        #expect(third.ran == ["use"])
        #expect(server.document.notModifiedCount == 1)
        #expect(try String(contentsOfFile: doc, encoding: .utf8) == "document v2\n")
        try await server.stop()
    }

    /// Waits (up to 20 s) until the file at `path` holds `count` lines containing `text`.
    func waitForLines(_ path: String, containing text: String, count: Int = 1) -> [String] {
        for _ in 0..<400 {
            let lines = ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
            if lines.count(where: { $0.contains(text) }) >= count { return lines }
            usleep(50_000)
        }
        return []
    }

    /// With the kernel's watches "used up" (the test hook's limit of one),
    /// watch mode says so and still sees an edit, by polling.
    @Test func watchModeFallsBackToPollingWhenWatchesRunOut() throws {
        let folder = try setUp()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/src/sub", withIntermediateDirectories: true)
        let watching = try TaskloopBinary.start(
            ["run", "p.yaml", "--watch", "--progress", "plain"], in: folder, environment: ["TASKLOOP_TEST_INOTIFY_WATCH_LIMIT": "1"])
        #expect(waitForOutput(watching, "for changes (Ctrl-C to stop)"))
        try "int a2;\n".write(toFile: folder + "/src/a.c", atomically: false, encoding: .utf8)
        #expect(waitForOutput(watching, "for changes (Ctrl-C to stop)", count: 2))
        watching.signal(SIGINT)
        let result = watching.finish()
        #expect(result.exitCode == 130)
        #expect(result.standardError.contains("inotify watches ran out (TASKLOOP_TEST_INOTIFY_WATCH_LIMIT is 1); polling for changes every 500ms instead"))
        #expect(result.standardOutput.contains("changed: src/a.c; running again"))
        #expect(result.standardOutput.contains("[gen] outdated: source src/a.c changed"))
        #expect(try String(contentsOfFile: folder + "/build/app", encoding: .utf8).contains("int a2;"))
    }

    /// `--on-change restart`: an edit during a long step cancels the run
    /// (its process is ended) and starts a new one that sees the edit.
    @Test func watchModeRestartCancelsARunningStepAndRunsAgain() throws {
        let folder = try setUp("""
            steps:
              slow:
                sources: [src/*.c]
                shell: |
                  echo "start $$ $(cat src/a.c)" >> ran.txt
                  sleep 60 &
                  wait
                  echo finished >> ran.txt
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let watching = try TaskloopBinary.start(
            ["run", "p.yaml", "--watch", "--on-change", "restart", "--progress", "plain"], in: folder)
        let first = waitForLines(folder + "/ran.txt", containing: "start")
        #expect(first.count == 1)
        try "int a2;\n".write(toFile: folder + "/src/a.c", atomically: false, encoding: .utf8)
        let both = waitForLines(folder + "/ran.txt", containing: "start", count: 2)
        #expect(both.count == 2)
        #expect(both.last?.hasSuffix("int a2;") == true)
        // The first run's shell was ended, not left to finish.
        let firstShell = Int32(first.first?.split(separator: " ")[1] ?? "") ?? 0
        #expect(firstShell > 0)
        var ended = false
        for _ in 0..<400 where !ended {
            ended = kill(firstShell, 0) != 0 && errno == ESRCH
            if !ended { usleep(50_000) }
        }
        #expect(ended)
        watching.signal(SIGINT)
        let result = watching.finish()
        #expect(result.exitCode == 130)
        #expect(result.standardOutput.contains("changed: src/a.c; restarting"))
        #expect(result.standardOutput.contains("[slow] cancelled"))
        #expect(!((try? String(contentsOfFile: folder + "/ran.txt", encoding: .utf8)) ?? "").contains("finished"))
    }

    @Test func badPatternsAreReportedWhereTheyAre() throws {
        let folder = try setUp("""
            steps:
              a:
                sources: [/etc/passwd]
                shell: true
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = try TaskloopBinary.run(["validate", "p.yaml"], in: folder)
        #expect(result.exitCode == 2)
        #expect(result.standardError.contains("p.yaml:3:15: error:"))
        #expect(result.standardError.contains("without the leading `/`"))
    }
}
