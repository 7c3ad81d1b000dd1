import Foundation
package import NIOCore
import NIOFileSystem
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// Appends a run's events to its `events.jsonl` as they happen.
///
/// Each event is queued without blocking and written within one thread-pool
/// hop, so a run killed at any moment leaves a log that is readable up to its
/// last complete line.
package final class EventLogWriter: RunObserver {
    package let path: String
    private let writer: SerialWriter<TimelineEvent>

    private init(path: String, descriptor: CInt, eventLoop: (any EventLoop)?) {
        self.path = path
        self.writer = SerialWriter(
            descriptor: descriptor, closesDescriptor: true, keepsWholeLines: true, eventLoop: eventLoop, encode: EventLogFormat.encode)
    }

    /// Creates the log's folder and file, or opens an existing log to append
    /// this run to it, and writes the format header that starts the run. A
    /// file that is not an event log is refused (appending would spoil it),
    /// and so is a log another run holds; a last line an earlier run left cut
    /// off is removed first, so every line stays whole. The blocking calls run
    /// on NIO's thread pool. `eventLoop` is the run's loop, where most events
    /// are written.
    package static func create(at path: String, eventLoop: (any EventLoop)? = nil) async throws -> EventLogWriter {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            do {
                try await FileSystem.shared.createDirectory(at: FilePath(folder), withIntermediateDirectories: true)
            } catch {
                // No permission, or a file where a folder should be (which
                // `mkdir` reports as EEXIST): said as the log's own error.
                let code = ((error as? FileSystemError)?.cause as? FileSystemError.SystemCallError)?.errno.rawValue ?? EIO
                throw EventLogError.cannotCreate(path: path, errno: code == EEXIST ? ENOTDIR : code)
            }
        }
        let descriptor = try await NIOThreadPool.singleton.runIfActive { () throws -> CInt in
            let existed = access(path, F_OK) == 0
            // Non-blocking and no controlling terminal: opening never waits.
            let descriptor = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0o644)
            guard descriptor >= 0 else { throw EventLogError.cannotCreate(path: path, errno: errno) }
            do {
                var status = stat()
                if fstat(descriptor, &status) == 0, [S_IFIFO, S_IFSOCK].contains(status.st_mode & S_IFMT),
                   let kind = FileReadFailure.kind(of: status.st_mode) {
                    throw EventLogError.notAFile(path: path, kind: kind)
                }
                // Writes block again (a regular file, a device such as /dev/null).
                _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
                let size = try EventLogAppending.prepare(descriptor, path: path)
                do {
                    try EventLogAppending.writeAll(EventLogFormat.headerLine, to: descriptor, path: path)
                } catch {
                    // A header cut short (a full disk) would spoil the file: take it back.
                    if existed { _ = ftruncate(descriptor, size) } else { unlink(path) }
                    throw error
                }
            } catch {
                close(descriptor)
                throw error
            }
            return descriptor
        }
        return EventLogWriter(path: path, descriptor: descriptor, eventLoop: eventLoop)
    }

    package func observe(_ event: TimelineEvent) {
        writer.write(event)
    }

    package func stepOutput(_ chunk: StepOutputChunk) {}

    /// Returns once ``finish()`` has been called and every event is written;
    /// await it beside the run.
    package func run() async { await writer.run() }

    package func finish() { writer.finish() }

    /// Why the log could not be completed, if a write failed.
    package var failure: EventLogError? { writer.failure.map { .writeFailed(path: path, errno: $0) } }
}
