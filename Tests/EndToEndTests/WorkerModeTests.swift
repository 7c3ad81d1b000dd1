import Foundation
import Testing

/// `taskloop worker`, the hidden mode a run starts its worker processes in.
/// The exact command line a run gives skips the argument parser; anything
/// else goes through it like every other command.
@Suite(.serialized) struct WorkerModeTests {
    /// Started as a run starts it, a worker says hello (its protocol and its
    /// pid, as the runner checks) and exits 0 when its stdin ends.
    @Test func aWorkerSaysHelloAndExitsAtTheEndOfItsInput() throws {
        let worker = try TaskloopBinary.start(["worker"], input: FileHandle.nullDevice)
        let result = worker.finish()
        #expect(result.exitCode == 0, "\(result.standardError)")
        let bytes = Array(result.standardOutput.utf8)
        try #require(bytes.count > 4)
        let length = Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
        #expect(length == bytes.count - 4, "one frame, and nothing else, on stdout")
        let hello = try JSONSerialization.jsonObject(with: Data(bytes[4...])) as? [String: Any]
        #expect(hello?["protocolVersion"] as? Int == 2)
        #expect(hello?["pid"] as? Int == Int(worker.pid))
        #expect(result.standardError.isEmpty)
    }

    @Test func theWorkerModeStillAnswersHelpAndRefusesStrayArguments() throws {
        let help = try TaskloopBinary.run(["worker", "--help"], input: FileHandle.nullDevice)
        #expect(help.exitCode == 0)
        #expect(help.standardOutput.contains("Serve CPU steps for a running taskloop over stdin and stdout"))

        let stray = try TaskloopBinary.run(["worker", "stray"], input: FileHandle.nullDevice)
        #expect(stray.exitCode == 2)
        #expect(stray.standardError.contains("Unexpected argument 'stray'"), "\(stray.standardError)")
        #expect(stray.standardOutput.isEmpty, "no hello: it never became a worker")
    }
}
