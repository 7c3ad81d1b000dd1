package import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes to a file descriptor in order, without ever blocking the caller.
///
/// `write` only appends to a buffer and returns. A *drain* on NIO's thread
/// pool takes everything buffered so far, encodes it and writes it with
/// blocking `write(2)` calls. So the event loop never blocks on a slow
/// terminal, a full pipe or a busy disk, elements reach the descriptor in the
/// order they were written, and what was written more than ``burstWindow``
/// before a crash has already been handed to the kernel.
///
/// Invariants, all kept under the state's lock:
/// - at most one drain is queued or running at a time for new writes
///   (`isDrainQueued`); a write that finds one queued only appends, and the
///   drain, before it ends, looks at the buffer again under the lock, so no
///   write is left behind;
/// - at most one drain writes at a time (`isWriting`), and it takes the whole
///   buffer, so batches reach the descriptor in the order they were taken.
///
/// Writes made on the run's event loop are drained in bursts: the first
/// write that finds no drain queued schedules its hand-off to the pool
/// ``burstWindow`` later, on the loop, and the writes made meanwhile join the
/// same batch. So a burst of events costs one wake-up of one pool thread,
/// which writes the batch and is done, and a loop that finishes a step every
/// few microseconds wakes no thread for each (a 2,000-step chain made 10,393
/// futex calls when each burst woke a task of the cooperative pool, which
/// woke a pool thread; 295 now). An event reaches the
/// descriptor at most that window after it happened; ``finish()`` drains at
/// once. Writes from other threads are handed to the pool at once. A drain
/// that finds more buffered after its batch queues itself again behind the
/// pool's other work instead of looping, so a flooding writer does not keep
/// a pool thread from file steps.
package final class SerialWriter<Element: Sendable>: Sendable {
    private struct State {
        var pending: [Element] = []
        /// The weight of `pending` (see ``Shedding``).
        var pendingWeight = 0
        /// The weight of droppable elements dropped since the last batch.
        var droppedWeight = 0
        /// A drain is queued (on the loop or the pool) or running.
        var isDrainQueued = false
        /// A drain is writing a batch.
        var isWriting = false
        var isFinished = false
        /// A drain found the writer finished and empty, and is closing it.
        var isClosing = false
        /// Everything written has reached the descriptor (and it is closed, if the writer closes it).
        var isClosed = false
        /// ``run()``, waiting for `isClosed`.
        var closeWaiter: CheckedContinuation<Void, Never>?
        var failure: CInt?

        var hasWork: Bool { !pending.isEmpty || droppedWeight > 0 }
    }

    /// How a writer whose reader cannot keep up (a slow terminal) keeps its
    /// memory bounded without blocking anyone: once the queue weighs more than
    /// `limit`, elements written as droppable are dropped, and the next batch
    /// ends with `notice` of how much was.
    package struct Shedding: Sendable {
        package var limit: Int
        package var weight: @Sendable (Element) -> Int
        package var notice: @Sendable (_ droppedWeight: Int) -> Element

        package init(limit: Int, weight: @escaping @Sendable (Element) -> Int, notice: @escaping @Sendable (Int) -> Element) {
            self.limit = limit
            self.weight = weight
            self.notice = notice
        }
    }

    /// How long a write on the event loop may wait for others to join its batch.
    package static var burstWindow: Duration { .milliseconds(2) }

    private let descriptor: CInt
    private let closesDescriptor: Bool
    private let keepsWholeLines: Bool
    private let encode: @Sendable ([Element]) -> [UInt8]
    private let shedding: Shedding?
    /// The loop whose writes are drained in bursts (see above).
    private let eventLoop: (any EventLoop)?
    private let state = Mutex(State())

    /// - Parameters:
    ///   - closesDescriptor: whether the writer closes the descriptor once finished and drained.
    ///   - keepsWholeLines: for a file of lines (a log): when a write fails part
    ///     way (a full disk), the file is cut back to its last whole line.
    ///   - shedding: what may be dropped when the reader falls behind; nil keeps everything.
    ///   - eventLoop: the loop most writes come from, drained in bursts.
    ///   - encode: turns a batch into bytes; runs on the thread pool.
    package init(
        descriptor: CInt, closesDescriptor: Bool, keepsWholeLines: Bool = false, shedding: Shedding? = nil,
        eventLoop: (any EventLoop)? = nil, encode: @escaping @Sendable ([Element]) -> [UInt8]
    ) {
        self.eventLoop = eventLoop
        self.descriptor = descriptor
        self.closesDescriptor = closesDescriptor
        self.keepsWholeLines = keepsWholeLines
        self.shedding = shedding
        self.encode = encode
    }

    /// Queues an element. Never blocks; ignored after ``finish()``. A
    /// droppable element is dropped while the queue is over its shedding limit.
    package func write(_ element: Element, droppable: Bool = false) {
        let weight = shedding?.weight(element) ?? 0
        let needsDrain = state.withLock { state -> Bool in
            guard !state.isFinished else { return false }
            if droppable, let shedding, state.pendingWeight + weight > shedding.limit {
                state.droppedWeight += weight
                return false
            }
            state.pending.append(element)
            state.pendingWeight += weight
            guard !state.isDrainQueued else { return false }
            state.isDrainQueued = true
            return true
        }
        guard needsDrain else { return }
        if let eventLoop, eventLoop.inEventLoop {
            eventLoop.scheduleTask(in: .nanoseconds(Self.burstWindow.nanosecondsClamped)) { self.queueDrain() }
        } else {
            queueDrain()
        }
    }

    /// Ends the writer: what is queued is written, then the descriptor is
    /// closed if the writer owns it. Writes after this are ignored.
    package func finish() {
        state.withLock { $0.isFinished = true }
        // Queued even when a drain already is: that one may be a task of a
        // loop that stops before running it. A drain with nothing to do ends.
        queueDrain()
    }

    /// The `errno` of the first failed write, if any (later elements are dropped).
    package var failure: CInt? { state.withLock { $0.failure } }

    /// Returns once the writer is finished and everything written before
    /// ``finish()`` has reached the descriptor.
    package func run() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let isClosed = state.withLock { state -> Bool in
                if !state.isClosed { state.closeWaiter = continuation }
                return state.isClosed
            }
            if isClosed { continuation.resume() }
        }
    }

    private func queueDrain() {
        NIOThreadPool.singleton.submit { _ in self.drain() }
    }

    private enum DrainStep {
        case done
        case write([Element])
        case close
    }

    /// Runs on a thread of the pool: writes one batch, then queues itself
    /// again if more arrived meanwhile, or closes the writer once it is
    /// finished and empty.
    private func drain() {
        while true {
            let step = state.withLock { state -> DrainStep in
                if state.isWriting || state.isClosing { return .done }
                if state.hasWork {
                    state.isWriting = true
                    var batch = state.pending
                    if state.droppedWeight > 0, let shedding { batch.append(shedding.notice(state.droppedWeight)) }
                    state.pending.removeAll(keepingCapacity: true)
                    state.pendingWeight = 0
                    state.droppedWeight = 0
                    return .write(batch)
                }
                state.isDrainQueued = false
                guard state.isFinished else { return .done }
                state.isClosing = true
                return .close
            }
            switch step {
            case .done:
                return
            case .write(let batch):
                let error = self.failure == nil ? writeBatch(batch) : nil
                let more = state.withLock { state -> Bool in
                    state.isWriting = false
                    if let error { state.failure = state.failure ?? error }
                    return state.hasWork
                }
                // More to write: behind the pool's other work. Else look
                // again, to end the drain (or close) under the lock.
                if more {
                    queueDrain()
                    return
                }
            case .close:
                if closesDescriptor { close(descriptor) }
                let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                    state.isClosed = true
                    defer { state.closeWaiter = nil }
                    return state.closeWaiter
                }
                waiter?.resume()
                return
            }
        }
    }

    /// Encodes and writes `batch`; the `errno` of a failed write.
    private func writeBatch(_ batch: [Element]) -> CInt? {
        let bytes = encode(batch)
        let (written, error) = DescriptorWrite.all(bytes, to: descriptor)
        if error != nil, keepsWholeLines { Self.cutToWholeLine(descriptor, bytes: bytes, written: written) }
        return error
    }

    /// After a failed write of `bytes` of which `written` reached the file
    /// (appended at its end), cuts the file back to the end of the last whole
    /// line among them, so the file never ends mid-line.
    private static func cutToWholeLine(_ descriptor: CInt, bytes: [UInt8], written: Int) {
        let end = lseek(descriptor, 0, SEEK_END)
        guard end >= 0, written > 0 else { return }
        let keep = bytes[..<written].lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
        _ = ftruncate(descriptor, end - off_t(written - keep))
    }
}
