import CTaskloopShims
import Foundation
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// The worker side: what `taskloop worker` runs. It reads requests from stdin,
/// runs each CPU function to completion, and writes the reply to stdout, one at
/// a time, until stdin closes.
///
/// Stdout carries only frames: the worker keeps the real stdout for itself and
/// points file descriptor 1 at stderr, so a function that prints cannot
/// corrupt the protocol. Stderr stays free for the worker's own messages.
public enum WorkerMain {
    public static func run(registry: StepKindRegistry) -> Never {
        // End with the runner: the kernel kills this process when its parent dies,
        // even in the middle of a long computation. (Closing stdin ends an idle one.)
        let parent = getppid()
        _ = taskloop_set_parent_death_signal(SIGKILL)
        if getppid() != parent { exit(0) }

        let channel = dup(STDOUT_FILENO)
        _ = dup2(STDERR_FILENO, STDOUT_FILENO)
        let hello = WorkerHello(protocolVersion: WireProtocol.version, pid: getpid())
        guard let helloFrame = try? WireProtocol.frame(hello), writeAll(helloFrame, to: channel) else { exit(1) }

        while true {
            guard let header = readExactly(4, from: STDIN_FILENO) else { exit(0) }
            let length = Int(header[0]) << 24 | Int(header[1]) << 16 | Int(header[2]) << 8 | Int(header[3])
            guard length <= WireProtocol.maximumFrameSize, let payload = readExactly(length, from: STDIN_FILENO) else {
                FileHandle.standardError.write(Data("taskloop worker \(getpid()): malformed request; exiting\n".utf8))
                exit(2)
            }
            let reply: WorkerReply
            do {
                let request = try WireProtocol.decode(WorkerRequest.self, from: payload)
                reply = perform(request, registry: registry)
            } catch {
                reply = WorkerReply(id: -1, outputs: nil, error: "the worker could not read the request: \(error)")
            }
            guard writeAll(WireProtocol.frame(reply), to: channel) else { exit(3) }
        }
    }

    static func perform(_ request: WorkerRequest, registry: StepKindRegistry) -> WorkerReply {
        guard let function = registry.cpuFunction(named: request.function) else {
            return WorkerReply(id: request.id, outputs: nil, error: "this worker has no CPU function `\(request.function)`")
        }
        let context = CPUContext(stepID: StepID(request.step), workingDirectory: request.workingDirectory)
        do {
            return WorkerReply(id: request.id, outputs: try function.execute(request.with, in: context), error: nil)
        } catch let failure as StepFailure {
            return WorkerReply(id: request.id, outputs: nil, error: failure.message)
        } catch {
            return WorkerReply(id: request.id, outputs: nil, error: "\(error)")
        }
    }

    private static func readExactly(_ count: Int, from descriptor: CInt) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let read = bytes.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress! + offset, count - offset) }
            if read < 0, errno == EINTR { continue }
            if read <= 0 { return nil }
            offset += read
        }
        return bytes
    }

    private static func writeAll(_ frame: ByteBuffer, to descriptor: CInt) -> Bool {
        frame.withUnsafeReadableBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0, errno == EINTR { continue }
                if written <= 0 { return false }
                offset += written
            }
            return true
        }
    }
}
