import Foundation
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

    private init(path: String, descriptor: CInt) {
        self.path = path
        self.writer = SerialWriter(descriptor: descriptor, closesDescriptor: true, encode: EventLogFormat.encode)
    }

    /// Creates the log's folder and file (failing if the file exists) and
    /// writes the format header. The blocking calls run on NIO's thread pool.
    package static func create(at path: String) async throws -> EventLogWriter {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            try await FileSystem.shared.createDirectory(at: FilePath(folder), withIntermediateDirectories: true)
        }
        let descriptor = try await NIOThreadPool.singleton.runIfActive { () throws -> CInt in
            let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { throw EventLogError.cannotCreate(path: path, errno: errno) }
            let header = EventLogFormat.headerLine
            let written = header.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            guard written == header.count else {
                close(descriptor)
                throw EventLogError.cannotCreate(path: path, errno: errno)
            }
            return descriptor
        }
        return EventLogWriter(path: path, descriptor: descriptor)
    }

    package func observe(_ event: TimelineEvent) {
        writer.write(event)
    }

    package func stepOutput(_ chunk: StepOutputChunk) {}

    /// Writes until ``finish()``; run it as a child task beside the run.
    package func run() async { await writer.run() }

    package func finish() { writer.finish() }

    /// The `errno` of a failed write, if the log could not be completed.
    package var failure: CInt? { writer.failure }
}
