import Foundation
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// The file behind a shell step's `$TASKLOOP_OUTPUT`, read back with one
/// trip to the thread pool: a shell step's latency is mostly such trips (a
/// wake-up of a pool thread and of the loop), and a step of a DAG waits for
/// every one of them. The child process creates the file as it starts;
/// ``createEmptyFile(at:in:threadPool:)`` is for when the run's folder is gone.
extension ShellStep {
    /// Creates the empty file at `path` (truncating a leftover), making its
    /// folder first if needed. Throws the system's reason.
    static func createEmptyFile(at path: String, in folder: String, threadPool: NIOThreadPool) async throws {
        let failure: (call: String, code: Int32)? = try await threadPool.runIfActive {
            // One `mkdir` for the usual case, where only the run's folder exists.
            if mkdir(folder, 0o755) != 0, errno != EEXIST {
                do {
                    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                } catch {
                    return ("mkdir \(folder)", SystemErrorText.errno(in: error) ?? EIO)
                }
            }
            let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { return ("open", errno) }
            close(descriptor)
            return nil
        }
        guard let failure else { return }
        if failure.code == EMFILE || failure.code == ENFILE {
            throw StepFailure("cannot create the output file \(path): \(OpenFileLimit.exhaustedMessage)")
        }
        let place = failure.call == "open" ? "" : " (\(failure.call))"
        throw StepFailure("cannot create the output file \(path)\(place): \(SystemErrorText.describe(failure.code))")
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
