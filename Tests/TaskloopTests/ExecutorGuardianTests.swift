import Foundation
import Testing
@testable import Taskloop

/// The guardian's clean-up, run against stand-ins for `squeue` and `scancel`:
/// it cancels the run's jobs and, inside an allocation, the run's job steps
/// by their ids (`36.1`), never the allocation itself.
@Suite(.serialized) struct ExecutorGuardianTests {
    /// Runs the guardian script with `squeue` printing `jobs` (or `steps`
    /// for `squeue -s`), and returns what `scancel` was given.
    func cancelled(tag: String, allocation: String, jobs: String, steps: String) throws -> String {
        let folder = NSTemporaryDirectory() + "taskloop-guardian-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let squeue = """
            #!/bin/sh
            for argument in "$@"; do [ "$argument" = -s ] && { printf '\(steps)'; exit 0; }; done
            printf '\(jobs)'
            """
        try squeue.write(toFile: folder + "/squeue", atomically: true, encoding: .utf8)
        try "#!/bin/sh\necho \"$@\" >> \(folder)/scancel-calls\n".write(toFile: folder + "/scancel", atomically: true, encoding: .utf8)
        for tool in ["squeue", "scancel"] { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder + "/" + tool) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", ExecutorSession.guardianScript, "taskloop-guardian", tag, allocation]
        process.environment = ["PATH": folder + ":/usr/bin:/bin"]
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return (try? String(contentsOfFile: folder + "/scancel-calls", encoding: .utf8)) ?? ""
    }

    @Test func insideAnAllocationOnlyTheRunsJobStepsAreCancelledByID() throws {
        let calls = try cancelled(
            tag: "taskloop-99-ab12", allocation: "36",
            jobs: "36 my-allocation\\n41 taskloop-999-ab12-x.1\\n",
            steps: "36.0 batch\\n36.1 taskloop-99-ab12-build.1\\n36.2 other\\n36.3 taskloop-99-ab12-w4242\\n")
        #expect(calls == "36.1 36.3\n")
    }

    @Test func outsideAnAllocationTheRunsJobsAreCancelled() throws {
        let calls = try cancelled(
            tag: "taskloop-99-ab12", allocation: "",
            jobs: "40 taskloop-99-ab12-report.1\\n41 taskloop-999-ab12-x.1\\n42 taskloop-99-ab12-w77\\n",
            steps: "")
        #expect(calls == "40 42\n")
    }

    @Test func nothingOfTheRunLeftMeansNoCancel() throws {
        #expect(try cancelled(tag: "taskloop-99-ab12", allocation: "36", jobs: "36 my-allocation\\n", steps: "36.0 batch\\n") == "")
    }
}
