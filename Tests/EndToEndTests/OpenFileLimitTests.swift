import Foundation
import Testing

/// Taskloop under a low open-file limit (`ulimit -n`): every step runs to its
/// end, fewer at once, and the run says why.
@Suite(.serialized) struct OpenFileLimitTests {
    /// Runs `taskloop arguments…` in `folder` with `ulimit -n limit` (soft and hard).
    func run(_ arguments: [String], in folder: String, openFileLimit limit: Int) throws -> TaskloopBinary.Result {
        let quoted = ([TaskloopBinary.path] + arguments).map { "'\($0)'" }.joined(separator: " ")
        let script = folder + "/run.sh"
        try "ulimit -n \(limit) && exec \(quoted)\n".write(toFile: script, atomically: true, encoding: .utf8)
        return try TaskloopShell.run(script: script, in: folder)
    }

    @Test(.timeLimit(.minutes(2)))
    func manyParallelShellStepsUnderALowLimitAllFinish() async throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let steps = (0..<400).map { "  s\($0): { shell: echo \"$TASKLOOP_STEP\" }" }.joined(separator: "\n")
        try "limits: { io: 400 }\nsteps:\n\(steps)\n".write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        let result = try run(["run", "p.yaml", "--progress", "plain", "--keep-going"], in: folder, openFileLimit: 256)

        #expect(result.exitCode == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("400 succeeded"))
        #expect(result.standardOutput.contains(
            "warning: the open-file limit (`ulimit -n` 256) allows about 32 I/O steps at once, not the 400 of `limits.io`: running at most 32 at once"))
        for step in [0, 199, 399] { #expect(result.standardOutput.contains("[s\(step)] s\(step)\n")) }
    }

    /// Taskloop raises its soft limit to the hard one for itself (so no
    /// warning), and its commands get the soft limit it was started with.
    @Test(.timeLimit(.minutes(1)))
    func theSoftLimitIsRaisedForTaskloopAndRestoredForCommands() async throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "limits: { io: 400 }\nsteps:\n  limit: { shell: ulimit -n }\n".write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        let quoted = [TaskloopBinary.path, "run", "p.yaml", "--progress", "plain"].map { "'\($0)'" }.joined(separator: " ")
        try "ulimit -H -n 20000 && ulimit -S -n 256 && exec \(quoted)\n".write(toFile: folder + "/run.sh", atomically: true, encoding: .utf8)
        let result = try TaskloopShell.run(script: folder + "/run.sh", in: folder)

        #expect(result.exitCode == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("[limit] 256\n"))
        #expect(!result.standardOutput.contains("warning: the open-file limit"))
    }

    @Test(.timeLimit(.minutes(1)))
    func aLimitTooLowForTaskloopItselfIsRefusedWithWhy() async throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let steps = (0..<20).map { "  s\($0): { shell: echo \"$TASKLOOP_STEP\" }" }.joined(separator: "\n")
        try "steps:\n\(steps)\n".write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        let result = try run(["run", "p.yaml", "--progress", "plain", "--keep-going"], in: folder, openFileLimit: 10)

        // Refused before anything starts, with what to do (not a crash in the event loop's set-up).
        #expect(result.exitCode == 1)
        #expect(result.standardError.contains(
            "error: the open-file limit (`ulimit -n` 10) is too low to run a pipeline: Taskloop needs at least 32 open files; raise it"),
            "\(result.standardError)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/.taskloop"))
    }
}

/// Runs a shell script as a user would, capturing its output.
enum TaskloopShell {
    static func run(script: String, in folder: String) throws -> TaskloopBinary.Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [script]
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        let output = folder + "/run.out"
        let error = folder + "/run.err"
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        _ = FileManager.default.createFile(atPath: error, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: error))
        try process.run()
        process.waitUntilExit()
        return TaskloopBinary.Result(
            exitCode: process.terminationStatus,
            standardOutput: (try? String(contentsOfFile: output, encoding: .utf8)) ?? "",
            standardError: (try? String(contentsOfFile: error, encoding: .utf8)) ?? "")
    }
}
