import Foundation
import Testing

/// Every example line of `taskloop help` and of each command's help runs as
/// written, from a copy of the repository's `pipelines/`, and succeeds.
@Suite(.serialized) struct HelpExamplesTests {
    static let commands = [[], ["run"], ["graph"], ["validate"], ["steps"], ["timeline"]]

    /// `taskloop …` lines of a help text: indented under "Examples:", or after "Example:".
    static func examples(in help: String) -> [String] {
        help.split(separator: "\n").compactMap { line in
            let text = line.trimmingCharacters(in: .whitespaces)
            let command = text.hasPrefix("Example:") ? text.dropFirst("Example:".count).trimmingCharacters(in: .whitespaces) : text
            return command.hasPrefix("taskloop ") && line.hasPrefix(" ") ? command : nil
        }
    }

    @Test func everyHelpExampleRunsAsWrittenOnTheBundledPipelines() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.copyItem(atPath: TaskloopBinary.packageRoot + "/pipelines", toPath: folder + "/pipelines")
        try? FileManager.default.removeItem(atPath: folder + "/pipelines/.taskloop")
        var lines: [String] = []
        for command in Self.commands {
            let help = try TaskloopBinary.run(["help"] + command)
            #expect(help.exitCode == 0)
            lines += Self.examples(in: help.standardOutput)
        }
        #expect(lines.count >= 15, "found only \(lines)")
        let binaryFolder = URL(fileURLWithPath: TaskloopBinary.path).deletingLastPathComponent().path
        let path = binaryFolder + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        for line in lines {
            // A placeholder in angle brackets is a value the user copies from an earlier
            // command's output: the latest run's id.
            var command = line
            if command.contains("<run-id>") {
                let runs = try FileManager.default.contentsOfDirectory(atPath: folder + "/pipelines/.taskloop/runs").sorted()
                command = command.replacingOccurrences(of: "<run-id>", with: try #require(runs.last))
            }
            let shell = Process()
            shell.executableURL = URL(fileURLWithPath: "/bin/sh")
            shell.arguments = ["-c", command + " > /dev/null 2> example.err"]
            shell.currentDirectoryURL = URL(fileURLWithPath: folder)
            shell.environment = ProcessInfo.processInfo.environment.merging(["PATH": path, "NO_COLOR": "1"]) { _, new in new }
            try shell.run()
            shell.waitUntilExit()
            let stderr = (try? String(contentsOfFile: folder + "/example.err", encoding: .utf8)) ?? ""
            #expect(shell.terminationStatus == 0, "`\(line)` exited with \(shell.terminationStatus): \(stderr)")
        }
    }
}
