import Foundation
import NIOEmbedded
import NIOPosix
import Synchronization
import Testing

@testable import Taskloop

#if canImport(Glibc)
import Glibc
#endif

@Suite struct SerialWriterTests {
    /// Reads `descriptor` to its end on a thread of its own: blocking reads
    /// must not hold the cooperative pool or NIO's thread pool, which the
    /// writer needs to make progress.
    func readToEnd(_ descriptor: CInt) async -> [UInt8] {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                var data: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 65_536)
                while true {
                    let count = read(descriptor, &buffer, buffer.count)
                    if count <= 0 { break }
                    data += buffer[0..<count]
                }
                close(descriptor)
                continuation.resume(returning: data)
            }
            thread.start()
        }
    }

    /// Whether `body` returns within `limit`; one that does not is left running.
    func finishes(within limit: Duration, _ body: @escaping @Sendable () async -> Void) async -> Bool {
        let answer = Mutex<CheckedContinuation<Bool, Never>?>(nil)
        let settle = { @Sendable (finished: Bool) in answer.withLock { $0.take() }?.resume(returning: finished) }
        return await withCheckedContinuation { continuation in
            answer.withLock { $0 = continuation }
            Task { await body(); settle(true) }
            Task { try? await Task.sleep(for: limit); settle(false) }
        }
    }

    @Test func everythingArrivesInOrderWhenNothingMayBeDropped() async {
        var ends: [CInt] = [0, 0]
        #expect(pipe(&ends) == 0)
        let writer = SerialWriter<String>(descriptor: ends[1], closesDescriptor: true) { Array($0.joined().utf8) }
        async let output = readToEnd(ends[0])
        async let drained: Void = writer.run()
        for number in 0..<10_000 { writer.write("\(number)\n") }
        writer.finish()
        await drained
        #expect(String(decoding: await output, as: UTF8.self) == (0..<10_000).map { "\($0)\n" }.joined())
    }

    /// Writes on the writer's event loop wake it once per burst, from a task
    /// of the loop; writes from elsewhere wake it at once. Mixed, no wake-up
    /// is lost: everything arrives, in order.
    @Test func burstsWrittenOnTheLoopAndElsewhereAllArriveInOrder() async throws {
        var ends: [CInt] = [0, 0]
        #expect(pipe(&ends) == 0)
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let batches = Mutex<[Int]>([])
        let writer = SerialWriter<String>(descriptor: ends[1], closesDescriptor: true, eventLoop: loop) { batch in
            batches.withLock { $0.append(batch.count) }
            return Array(batch.joined().utf8)
        }
        async let output = readToEnd(ends[0])
        async let drained: Void = writer.run()
        for burst in 0..<20 {
            try await loop.submit {
                for number in 0..<500 { writer.write("\(burst * 1000 + number)\n") }
            }.get()
            for number in 500..<1000 { writer.write("\(burst * 1000 + number)\n") }
        }
        writer.finish()
        await drained
        #expect(String(decoding: await output, as: UTF8.self) == (0..<20_000).map { "\($0)\n" }.joined())
        #expect(batches.withLock { $0.reduce(0, +) } == 20_000)
        // Fewer batches than writes: at the least, a burst's writes after its
        // first find the wake-up queued.
        #expect(batches.withLock { $0.count } < 20_000)
    }

    /// A write on the loop reaches the descriptor by itself, within the
    /// burst window, while the writer is still open: the log of a run that
    /// is killed holds what happened up to that window before.
    @Test func aWriteOnTheLoopArrivesWithoutWaitingForTheEnd() async throws {
        var ends: [CInt] = [0, 0]
        #expect(pipe(&ends) == 0)
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let writer = SerialWriter<String>(descriptor: ends[1], closesDescriptor: true, eventLoop: loop) { Array($0.joined().utf8) }
        try await loop.submit { writer.write("early\n") }.get()
        let readEnd = ends[0]
        let firstLine = await withCheckedContinuation { (continuation: CheckedContinuation<String, Never>) in
            Thread {
                // Nothing within 10 s (the window is milliseconds) counts as never.
                var ready = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
                guard poll(&ready, 1, 10_000) == 1 else { return continuation.resume(returning: "") }
                var buffer = [UInt8](repeating: 0, count: 64)
                let count = read(readEnd, &buffer, buffer.count)
                continuation.resume(returning: String(decoding: buffer[0..<max(0, count)], as: UTF8.self))
            }.start()
        }
        #expect(firstLine == "early\n")
        writer.write("late\n")
        writer.finish()
        await writer.run()
        #expect(String(decoding: await readToEnd(ends[0]), as: UTF8.self) == "late\n")
    }

    /// ``SerialWriter/finish()`` drains at once: what the loop wrote last is
    /// written even when the loop never runs the drain its burst scheduled
    /// (a loop that stops first). The testing loop's clock stands still, so
    /// that scheduled drain never comes.
    @Test func finishWritesWhatTheLoopQueuedEvenIfTheLoopNeverDrains() async throws {
        var ends: [CInt] = [0, 0]
        #expect(pipe(&ends) == 0)
        let loop = NIOAsyncTestingEventLoop()
        let (readEnd, writeEnd) = (ends[0], ends[1])
        let writer = SerialWriter<String>(descriptor: writeEnd, closesDescriptor: true, eventLoop: loop) { Array($0.joined().utf8) }
        async let output = readToEnd(readEnd)
        try await loop.executeInContext { for number in 0..<100 { writer.write("\(number)\n") } }
        writer.finish()
        let finished = await finishes(within: .seconds(10)) { await writer.run() }
        #expect(finished)
        // Stuck: end the pipe here, so that the reader ends too.
        if !finished { close(writeEnd) }
        #expect(String(decoding: await output, as: UTF8.self) == (0..<100).map { "\($0)\n" }.joined())
        await loop.shutdownGracefully()
    }

    /// A reader that does not keep up: droppable elements beyond the limit are
    /// dropped, with a notice, and the rest still arrives.
    @Test func aReaderThatFallsBehindMakesDroppableElementsDropWithANotice() async {
        var ends: [CInt] = [0, 0]
        #expect(pipe(&ends) == 0)
        let shedding = SerialWriter<String>.Shedding(limit: 64 * 1024, weight: { $0.utf8.count }, notice: { "dropped \($0)\n" })
        let writer = SerialWriter<String>(descriptor: ends[1], closesDescriptor: true, shedding: shedding) { Array($0.joined().utf8) }
        async let drained: Void = writer.run()
        // Nobody reads yet: the pipe fills, the writer waits in write(2), and droppable lines pile up.
        let line = String(repeating: "x", count: 1023) + "\n"
        for _ in 0..<4096 { writer.write(line, droppable: true) }
        writer.write("kept\n")
        writer.finish()
        let output = String(decoding: await readToEnd(ends[0]), as: UTF8.self)
        await drained
        #expect(output.utf8.count < 1024 * 1024)
        #expect(output.contains("kept\n"))
        let notices = output.split(separator: "\n").filter { $0.hasPrefix("dropped ") }
        #expect(!notices.isEmpty)
        let dropped = notices.compactMap { Int($0.dropFirst("dropped ".count)) }.reduce(0, +)
        let delivered = output.split(separator: "\n").filter { $0.hasPrefix("x") }.count * 1024
        #expect(dropped + delivered == 4096 * 1024)
    }
}
