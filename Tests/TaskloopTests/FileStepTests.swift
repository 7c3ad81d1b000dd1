import Foundation
import Testing
@testable import Taskloop

@Suite(.serialized) struct FileStepTests {
    func contents(_ path: String) -> String? {
        try? String(contentsOfFile: path, encoding: .utf8)
    }

    @Test func writeCreatesParentsAndReplacesTheFile() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              first: { file: { write: out/deep/notes.txt, content: "one\\n" } }
              second: { needs: first, file: { write: out/deep/notes.txt, content: "two\\n" } }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.status == .success)
        #expect(contents(folder + "/out/deep/notes.txt") == "two\n")
        #expect(try report.outputs("second")["bytes"] == JSONValue(4))
        #expect(try report.outputs("second")["path"] == .string(folder + "/out/deep/notes.txt"))
        // No temporary file is left beside the target.
        let left = try FileManager.default.contentsOfDirectory(atPath: folder + "/out/deep")
        #expect(left == ["notes.txt"])
    }

    @Test func appendAddsToTheEndAndCreatesTheFile() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              one: { file: { append: log/run.txt, content: "a\\n" } }
              two: { needs: one, file: { append: log/run.txt, content: "b\\n" } }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.status == .success)
        #expect(contents(folder + "/log/run.txt") == "a\nb\n")
    }

    @Test func readPublishesContentAndSize() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              make: { file: { write: in.txt, content: "héllo" } }
              load: { needs: make, file: { read: in.txt } }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let outputs = try report.outputs("load")
        #expect(outputs["content"] == .string("héllo"))
        #expect(outputs["bytes"] == JSONValue(6))
    }

    @Test func readRefusesFilesOverOneMebibyte() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              big: { shell: head -c 2000000 /dev/zero > big.bin }
              load: { needs: big, file: { read: big.bin } }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.status("load") == .failure)
        #expect(report.step("load")?.error == "cannot read big.bin: the file is larger than 1 MiB, the most `read` loads; use `copy` or a shell step for large files")
    }

    @Test func copyAndMoveReplaceTheirTargets() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              source: { file: { write: a.txt, content: "new" } }
              old: { file: { write: dist/b.txt, content: "old" } }
              copy: { needs: [source, old], file: { copy: a.txt, to: dist/b.txt } }
              move: { needs: copy, file: { move: a.txt, to: moved/c.txt } }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.status == .success)
        #expect(contents(folder + "/dist/b.txt") == "new")
        #expect(contents(folder + "/moved/c.txt") == "new")
        #expect(!FileManager.default.fileExists(atPath: folder + "/a.txt"))
        #expect(try report.outputs("copy")["bytes"] == JSONValue(3))
    }

    @Test func removeNeedsRecursiveForFoldersAndReportsMissingFiles() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              make: { file: { write: tree/a/b.txt, content: "x" } }
              refuse: { needs: make, file: { remove: tree } }
              missing: { file: { remove: nothing-here } }
              tolerated: { file: { remove: nothing-here, missing-ok: true } }
              remove: { needs: refuse, file: { remove: tree, recursive: true } }
            """, policy: .keepGoing)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.status("refuse") == .failure)
        #expect(report.step("refuse")?.error == "cannot remove tree: it is a folder; add `recursive: true` to remove it and all it holds")
        #expect(report.status("missing") == .failure)
        #expect(report.step("missing")?.error == "cannot remove nothing-here: no such file or folder")
        #expect(report.status("tolerated") == .success)
        #expect(try report.outputs("tolerated")["removed"] == JSONValue(0))
        #expect(FileManager.default.fileExists(atPath: folder + "/tree/a/b.txt"))
    }

    @Test func removeDeletesAFolderRecursively() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              make: { file: { write: tree/a/b.txt, content: "x" } }
              remove: { needs: make, file: { remove: tree, recursive: true } }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.status == .success)
        #expect(!FileManager.default.fileExists(atPath: folder + "/tree"))
        #expect(try report.outputs("remove")["removed"] == JSONValue(3))
    }

    @Test func mkdirCreatesParentsAndAcceptsAnExistingFolder() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              first: { file: { mkdir: a/b/c } }
              again: { needs: first, file: { mkdir: a/b/c } }
              blocked: { needs: again, file: { write: a/file, content: "" } }
              over-file: { needs: blocked, file: { mkdir: a/file } }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.status("again") == .success)
        var isFolder: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: folder + "/a/b/c", isDirectory: &isFolder) && isFolder.boolValue)
        #expect(report.status("over-file") == .failure)
        #expect(report.step("over-file")?.error == "cannot create folder a/file: a file (not a folder) is already there")
    }

    @Test func readingAMissingFileFails() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              load: { file: { read: absent.txt } }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.step("load")?.error == "cannot read absent.txt: no such file or folder")
    }

    @Test func readingOrAppendingToAPipeFailsAtOnce() async throws {
        // Opening a FIFO waits for the other end: these steps hung here.
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(mkfifo(folder + "/pipe", 0o600) == 0)
        try FileManager.default.createDirectory(atPath: folder + "/box", withIntermediateDirectories: false)
        let (report, runFolder) = try await runPipeline("""
            steps:
              pipe: { file: { read: \(folder)/pipe } }
              box: { file: { read: \(folder)/box } }
              below: { file: { read: \(folder)/pipe/x } }
              add: { file: { append: \(folder)/pipe, content: x } }
            """, policy: .keepGoing)
        defer { try? FileManager.default.removeItem(atPath: runFolder) }
        #expect(report.step("pipe")?.error == "cannot read \(folder)/pipe: it is a named pipe (FIFO), not a file; `read` loads one file")
        #expect(report.step("box")?.error == "cannot read \(folder)/box: it is a folder; `read` loads one file")
        #expect(report.step("below")?.error == "cannot read \(folder)/pipe/x: no such file or folder")
        #expect(report.step("add")?.error == "cannot append to \(folder)/pipe: it is a named pipe (FIFO), not a file; write to a pipe from a shell step")
    }

    @Test func writingBelowAFileFailsWithoutLeavingFiles() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              block: { file: { write: blocker, content: "" } }
              write: { needs: block, file: { write: blocker/x.txt, content: "x" } }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.status("write") == .failure)
        #expect(report.step("write")?.error == "cannot write blocker/x.txt: a file (not a folder) is already there")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == [".taskloop", "blocker", "pipeline.yaml"])
    }

    @Test func copyingAFolderOverAFolderReplacesItWhole() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              new: { shell: mkdir -p site/css && echo new > site/index.html && echo c > site/css/a.css }
              old: { shell: mkdir -p public && echo stale > public/stale.html }
              publish: { needs: [new, old], file: { copy: site, to: public } }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.status == .success)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/public").sorted() == ["css", "index.html"])
        #expect(contents(folder + "/public/css/a.css") == "c\n")
        // Neither the temporary copy nor the old folder is left beside the target.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == [".taskloop", "pipeline.yaml", "public", "site"])
    }

    /// A folder copied into itself would be walked while it grows, without
    /// end; the target is resolved through links, so a link does not hide it.
    @Test(.timeLimit(.minutes(1)))
    func aFolderIsNeverCopiedOrMovedIntoItself() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              tree: { shell: mkdir -p src/sub elsewhere && echo a > src/a.txt && ln -s src link && ln -s ../../elsewhere src/sub/out }
              into: { needs: tree, file: { copy: src, to: src/sub/inner } }
              through-link: { needs: tree, file: { copy: src, to: link/deep/er } }
              dotted: { needs: tree, file: { copy: link, to: ./src/sub/../x } }
              itself: { needs: tree, file: { copy: src, to: src } }
              move-into: { needs: tree, file: { move: src, to: src/sub/x } }
              out-through-link: { needs: tree, file: { copy: src, to: src/sub/out/copy } }
            """, policy: .keepGoing)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let inside = "is inside it, and a folder cannot go into itself; choose a target outside it"
        #expect(report.step("into")?.error == "cannot copy src: `src/sub/inner` \(inside)")
        #expect(report.step("through-link")?.error == "cannot copy src: `link/deep/er` \(inside)")
        #expect(report.step("dotted")?.error == "cannot copy link: `./src/sub/../x` \(inside)")
        #expect(report.step("itself")?.error == "cannot copy src: `src` is that same folder; choose another target")
        #expect(report.step("move-into")?.error == "cannot move src: `src/sub/x` \(inside)")
        // A link inside the folder that leads out of it is followed: that copy lands outside.
        #expect(report.status("out-through-link") == .success)
        #expect(contents(folder + "/elsewhere/copy/a.txt") == "a\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/src").sorted() == ["a.txt", "sub"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/src/sub").sorted() == ["out"])
    }

    /// `remove` refuses what `rm` refuses (`.`, `..`) and a folder that holds
    /// the run's own event log, which would take the record of the run with it.
    @Test func removeRefusesDotFoldersAndTheFolderOfTheRunsLog() async throws {
        // `here` names the pipeline's own folder: were the guard to fail, that
        // scratch folder is all it would take.
        let scratch = try makeTemporaryDirectory()
        let (report, folder) = try await runPipeline("""
            steps:
              tree: { file: { mkdir: d/e } }
              dot: { needs: tree, file: { remove: ".", recursive: true } }
              dot-dot: { needs: tree, file: { remove: "d/e/..", recursive: true } }
              runs: { needs: tree, file: { remove: .taskloop, recursive: true } }
              here: { needs: tree, file: { remove: "\(scratch)", recursive: true } }
              fine: { needs: [dot, dot-dot, runs, here], if: always(), file: { remove: d/e, recursive: true } }
            """, policy: .keepGoing, in: scratch)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let dots = "a path ending in `.` or `..` is refused, as `rm` refuses it; name the folder by its own name"
        #expect(report.step("dot")?.error == "cannot remove .: \(dots)")
        #expect(report.step("dot-dot")?.error == "cannot remove d/e/..: \(dots)")
        let runDirectory = (report.eventLogPath as NSString).deletingLastPathComponent
        let holdsLog = "it holds this run's event log (in \(runDirectory)), which the run is still writing; "
            + "remove what it holds instead, or log the run elsewhere with --events"
        #expect(report.step("runs")?.error == "cannot remove .taskloop: \(holdsLog)")
        #expect(report.step("here")?.error == "cannot remove \(scratch): \(holdsLog)")
        #expect(report.status("fine") == .success)
        #expect(try EventLog.read(path: report.eventLogPath).isComplete)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/d").isEmpty)
    }

    @Test func theRootIsWhereTheRootResolves() {
        #expect(PathContainment.resolvedLocation(of: "/") == "/")
        #expect(PathContainment.resolvedLocation(of: "/tmp/../") == "/")
        #expect(PathContainment.resolvedLocation(of: "/no-such-folder/x/../..") == "/")
        #expect(PathContainment.resolvedLocation(of: "/tmp") != "/")
    }

    @Test func aFileIsNotMovedOverAFolder() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              file: { file: { write: a.txt, content: "a" } }
              folder: { file: { mkdir: dest } }
              move: { needs: [file, folder], file: { move: a.txt, to: dest } }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.step("move")?.error == "cannot move a.txt: a folder is already there; remove it first")
        #expect(contents(folder + "/a.txt") == "a")
    }

    @Test func aFileIsNotWrittenOverAFolder() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              folder: { file: { mkdir: dest } }
              write: { needs: folder, file: { write: dest, content: "x" } }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.step("write")?.error == "cannot write dest: a folder is already there; remove it first")
        var isFolder: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: folder + "/dest", isDirectory: &isFolder) && isFolder.boolValue)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == [".taskloop", "dest", "pipeline.yaml"])
    }

    /// A folder on another file system than the temporary folder, when this machine has one.
    static let otherFileSystem: String? = {
        var here = stat()
        var shm = stat()
        guard stat(NSTemporaryDirectory(), &here) == 0, stat("/dev/shm", &shm) == 0, here.st_dev != shm.st_dev,
            access("/dev/shm", W_OK) == 0
        else { return nil }
        return "/dev/shm"
    }()

    @Test(.enabled(if: otherFileSystem != nil, "needs /dev/shm on a file system of its own"))
    func moveAcrossFileSystemsCopiesIntoPlaceThenRemovesTheSource() async throws {
        let away = Self.otherFileSystem! + "/taskloop-move-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: away) }
        let (report, folder) = try await runPipeline("""
            steps:
              file: { file: { write: a.txt, content: "across" } }
              tree: { shell: mkdir -p tree/sub && echo leaf > tree/sub/leaf.txt }
              old: { file: { write: \(away)/a.txt, content: "old" } }
              move-file: { needs: [file, old], file: { move: a.txt, to: \(away)/a.txt } }
              move-tree: { needs: tree, file: { move: tree, to: \(away)/tree } }
              back: { needs: move-file, file: { move: \(away)/a.txt, to: back/a.txt } }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.status == .success)
        #expect(contents(away + "/tree/sub/leaf.txt") == "leaf\n")
        #expect(contents(folder + "/back/a.txt") == "across")
        #expect(!FileManager.default.fileExists(atPath: folder + "/a.txt"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/tree"))
        #expect(!FileManager.default.fileExists(atPath: away + "/a.txt"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: away) == ["tree"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/back") == ["a.txt"])
    }
}

/// Copies stop soon after a timeout or cancel, and temporary files never outlive their writer.
@Suite(.serialized) struct FileStepTemporaryFileTests {
    @Test func aCopyThatTimesOutStopsAndRemovesItsTemporaryFile() async throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // 2 GB to copy: far more than 100 ms of work anywhere.
        let source = folder + "/big.bin"
        #expect(FileManager.default.createFile(atPath: source, contents: nil))
        #expect(truncate(source, 2_000_000_000) == 0)
        let yaml = """
            steps:
              copy: { file: { copy: "\(source)", to: "\(folder)/out/copy.bin" }, timeout: 100ms }
            """
        let (report, runFolder) = try await runPipeline(yaml)
        defer { try? FileManager.default.removeItem(atPath: runFolder) }
        #expect(report.status("copy") == .failure)
        #expect(report.step("copy")?.error?.contains("timed out") == true)
        let left = (try? FileManager.default.contentsOfDirectory(atPath: folder + "/out")) ?? []
        #expect(left.isEmpty, "left behind: \(left)")
    }

    @Test func staleTemporaryFilesOfDeadProcessesAreRemovedByTheNextWrite() async throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let out = folder + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let dead = try deadProcessID()
        let names = [
            "stale": ".a.txt.taskloop-\(dead)-k3j2", "live": ".a.txt.taskloop-1-x9",
            "lastCopy": ".b.txt.taskloop-\(dead)-zz.old", "fresh": ".c.txt.taskloop-\(dead)-q1",
            "other": ".d.txt.tmp",
        ]
        for (key, name) in names {
            #expect(FileManager.default.createFile(atPath: out + "/" + name, contents: Data("x".utf8)))
            // All but `fresh` were last written an hour ago.
            if key != "fresh" {
                try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -3600)], ofItemAtPath: out + "/" + name)
            }
        }
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSinceNow: 3600)], ofItemAtPath: out + "/" + names["fresh"]!)
        let (report, runFolder) = try await runPipeline("""
            steps:
              write: { file: { write: "\(out)/a.txt", content: "new" } }
            """)
        defer { try? FileManager.default.removeItem(atPath: runFolder) }
        #expect(report.status == .success)
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: out))
        // The dead writer's file goes; a live process's stays, and so does the
        // only copy of b.txt (moved aside, its target missing), a file still
        // being written, and files that are not Taskloop's.
        #expect(left == ["a.txt", names["live"]!, names["lastCopy"]!, names["fresh"]!, names["other"]!])
    }

    @Test func temporaryNamesCarryTheirOwnersProcessID() {
        let path = AtomicFile.temporaryPath(for: "out/notes.txt")
        let name = TemporaryFileName(parsing: String(path.dropFirst(4)))
        #expect(path.hasPrefix("out/.notes.txt.taskloop-\(getpid())-"))
        #expect(name?.target == "notes.txt")
        #expect(name?.pid == getpid())
        #expect(name?.isAside == false)
        #expect(TemporaryFileName(parsing: "notes.txt") == nil)
        #expect(TemporaryFileName(parsing: ".notes.txt.taskloop-abc") == nil)
    }

    /// The id of a process that has exited.
    private func deadProcessID() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }
}
