import Foundation
import NIOCore
import NIOPosix
import Testing

@testable import Taskloop

@Suite struct BatchedRemovalTests {
    @Test func everyQueuedFileIsGoneOnceFinishReturns() async throws {
        let folder = NSTemporaryDirectory() + "batched-removal-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let paths = (0..<600).map { "\(folder)/f\($0).txt" }
        for path in paths { #expect(FileManager.default.createFile(atPath: path, contents: Data())) }
        let kept = folder + "/kept.txt"
        #expect(FileManager.default.createFile(atPath: kept, contents: Data()))

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let eventLoop = group.next()
        let removal = BatchedRemoval(eventLoop: eventLoop, threadPool: .singleton)
        // Queued from the loop in three bursts, windows apart, so that
        // batches are handed to the pool while others are still queued; one
        // path is queued twice and one was never there.
        for burst in 0..<3 {
            try await eventLoop.submit {
                for path in paths[(burst * 200)..<((burst + 1) * 200)] { removal.remove(path) }
                if burst == 1 {
                    removal.remove(paths[0])
                    removal.remove(folder + "/never-made.txt")
                }
            }.get()
            try await Task.sleep(for: BatchedRemoval.window * 2)
        }
        await removal.finish()
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["kept.txt"])
        try await group.shutdownGracefully()
    }

    @Test func finishRemovesWhatIsStillQueuedWithoutTheLoop() async throws {
        let folder = NSTemporaryDirectory() + "batched-removal-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/late.txt"
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let eventLoop = group.next()
        let removal = BatchedRemoval(eventLoop: eventLoop, threadPool: .singleton)
        try await eventLoop.submit { removal.remove(path) }.get()
        // The loop stops before its hand-off is due: finish removes the path itself.
        try await group.shutdownGracefully()
        await removal.finish()
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
