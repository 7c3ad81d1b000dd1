import Foundation

/// The built `taskloop` executable, run as a user runs it.
enum TaskloopBinary {
    /// The package's root folder (this file is Tests/EndToEndTests/Support/…).
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The executable beside the test bundle (SwiftPM builds both into one folder).
    static let path: String = {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = testBinary.deletingLastPathComponent()
        // On Linux the test binary is `…/debug/taskloopPackageTests.xctest`.
        for _ in 0..<3 {
            let candidate = folder.appendingPathComponent("taskloop").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            folder.deleteLastPathComponent()
        }
        return packageRoot + "/.build/debug/taskloop"
    }()

    struct Result {
        var exitCode: Int32
        var standardOutput: String
        var standardError: String
    }

    /// Runs `taskloop arguments…` to completion in `folder`; `input`, when
    /// given, is its stdin (else it shares the test's). `launcher`, when
    /// given, is a command that runs taskloop (`setpriv …`), taskloop's path
    /// and arguments following its own.
    static func run(
        _ arguments: [String], in folder: String? = nil, environment: [String: String] = [:], input: FileHandle? = nil,
        launcher: [String] = []
    ) throws -> Result {
        let process = try start(arguments, in: folder, environment: environment, input: input, launcher: launcher)
        return process.finish()
    }

    /// Starts `taskloop arguments…`; stdout and stderr go to files, so the
    /// child never blocks on a full pipe, whatever the test does meanwhile.
    static func start(
        _ arguments: [String], in folder: String? = nil, environment: [String: String] = [:], input: FileHandle? = nil,
        launcher: [String] = []
    ) throws -> Running {
        let process = Process()
        if let input { process.standardInput = input }
        let command = launcher + [path] + arguments
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        if let folder { process.currentDirectoryURL = URL(fileURLWithPath: folder) }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let capture = NSTemporaryDirectory() + "taskloop-e2e-output-" + UUID().uuidString
        _ = FileManager.default.createFile(atPath: capture + ".out", contents: nil)
        _ = FileManager.default.createFile(atPath: capture + ".err", contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: capture + ".out"))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: capture + ".err"))
        try process.run()
        return Running(process: process, capture: capture)
    }

    final class Running {
        let process: Process
        private let capture: String

        init(process: Process, capture: String) {
            self.process = process
            self.capture = capture
        }

        var pid: pid_t { process.processIdentifier }

        func signal(_ number: Int32) { kill(process.processIdentifier, number) }

        /// What the process printed so far.
        var standardOutputSoFar: String {
            (try? String(contentsOfFile: capture + ".out", encoding: .utf8)) ?? ""
        }

        func finish() -> Result {
            process.waitUntilExit()
            defer {
                try? FileManager.default.removeItem(atPath: capture + ".out")
                try? FileManager.default.removeItem(atPath: capture + ".err")
            }
            return Result(
                exitCode: process.terminationStatus,
                standardOutput: (try? String(contentsOfFile: capture + ".out", encoding: .utf8)) ?? "",
                standardError: (try? String(contentsOfFile: capture + ".err", encoding: .utf8)) ?? "")
        }
    }
}

/// A new folder for one test's files.
func makeScratchFolder() throws -> String {
    let path = NSTemporaryDirectory() + "taskloop-e2e-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
