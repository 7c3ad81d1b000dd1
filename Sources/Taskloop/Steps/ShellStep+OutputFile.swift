import Foundation
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// The file behind a shell step's `$TASKLOOP_OUTPUT`, read back with one
/// trip to the thread pool: a shell step's latency is mostly such trips (a
/// wake-up of a pool thread and of the loop), and a step of a DAG waits for
/// every one of them. The child process creates the file as it starts;
/// ``createFolders(_:forOutputFile:)`` is for when the run's folder is gone.
extension ShellStep {
    /// Creates `folder` and the folders above it that are missing, for the
    /// output file at `path`. Blocks: call it on the thread pool. Throws the
    /// system's reason.
    static func createFolders(_ folder: String, forOutputFile path: String) throws(StepFailure) {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            let failure = SystemErrorText.errno(in: error) ?? EIO
            throw StepFailure("cannot create the output file \(path) (mkdir \(folder)): \(SystemErrorText.describe(failure))")
        }
    }

    /// The text of the file at `path`, at most `limit` bytes of it, and the
    /// file removed: the values live on in the step's result (and, masked,
    /// in the event log), never in a stray file. A file the command removed
    /// reads as empty (no outputs), as `$GITHUB_OUTPUT` does. Throws the
    /// system's reason or that the file is over `limit`.
    static func takeFile(at path: String, limit: Int, threadPool: NIOThreadPool) async throws -> String {
        enum Outcome: Sendable {
            case text([UInt8])
            case failed(Int32)
            case tooLarge
        }
        let outcome: Outcome = try await threadPool.runIfActive {
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            if descriptor < 0, errno == ENOENT { return .text([]) }
            guard descriptor >= 0 else { return .failed(errno) }
            defer {
                close(descriptor)
                unlink(path)
            }
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0 {
                    if errno == EINTR { continue }
                    return .failed(errno)
                }
                if count == 0 { return .text(bytes) }
                bytes += chunk[..<count]
                if bytes.count > limit { return .tooLarge }
            }
        }
        switch outcome {
        case .text(let bytes):
            return String(decoding: bytes, as: UTF8.self)
        case .failed(let code):
            throw StepFailure("cannot read $TASKLOOP_OUTPUT (\(path)): \(SystemErrorText.describe(code))")
        case .tooLarge:
            throw StepFailure("cannot read $TASKLOOP_OUTPUT (\(path)): it holds more than \(limit / 1024 / 1024) MiB; write large results to a file of your own and its path to $TASKLOOP_OUTPUT")
        }
    }
}
