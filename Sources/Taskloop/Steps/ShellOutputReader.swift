import CTaskloopShims
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Reads one output pipe of a shell step's command on the step's event loop
/// and streams it into the step line by line: each line goes to
/// ``StepContext/write(_:to:)``, stdout is kept in the ``ShellCapture`` up to
/// its limit, and stderr's last lines for a failure.
///
/// The pipe's read end is non-blocking, and the ``ChildWatcher`` thread tells
/// when it has data or has ended; the loop then reads it. (NIO's pipe channel
/// did this job before; making two per step, with their pipelines and
/// registration on the loop, was a quarter of the loop's time for a short
/// command.)
///
/// Memory stays flat however much the command prints: each chunk read is
/// handed on in full, synchronously, before the next is read, and what it
/// is handed to is bounded (the capture, the line assembler's 64 KiB). So
/// the pipe is drained only as fast as the step consumes it, and a command
/// that prints faster than that blocks on a full pipe.
final class ShellOutputReader: Sendable {
    /// What the reader does on its loop, and only there.
    private struct State {
        /// Our read end; -1 once closed (the output has ended).
        var descriptor: CInt
        /// The ``ChildWatcher``'s watch of `descriptor`; nil when it has
        /// none (then `polling` reads it).
        var token: UInt64?
        var polling: RepeatedTask?
        /// A task to read on is queued (``readAvailable()``).
        var isReadingOn = false
        var lines = LineAssembler()
        /// How many more bytes to stream before the output ends, once that is
        /// decided (``endWithPipeContents(_:)``); nil until then.
        var remaining: Int?
        /// Until its line has come: the start marker to take out of the output.
        var watch: StartMarkerWatch?
    }

    /// The most read, and handed on, in one task of the loop: about 500
    /// short lines, so a command that floods its output holds the loop for
    /// a few milliseconds at a time, and the other steps go on between its
    /// chunks. (Two steps printing 300,000 lines each, seven runs: the
    /// loop's worst lag was 12 ms, against 74 ms with NIO's pipe channels,
    /// which read up to four chunks of 64 KiB at once; the same wall time,
    /// and 15% more CPU, as the console and the log get more, smaller
    /// batches.)
    static let chunkSize = 16 * 1024

    private let eventLoop: any EventLoop
    private let stream: StepOutputChunk.Stream
    private let step: StepContext
    private let capture: ShellCapture
    private let state: NIOLoopBoundBox<State>
    /// Succeeds once the output has ended (read to its end, cut off by
    /// ``endWithPipeContents(_:)``, or stopped) and the last, unterminated
    /// line (if any) has been streamed. Never fails.
    private let ended: EventLoopPromise<Void>

    private init(descriptor: CInt, stream: StepOutputChunk.Stream, step: StepContext, capture: ShellCapture, watch: StartMarkerWatch?) {
        eventLoop = step.eventLoop
        self.stream = stream
        self.step = step
        self.capture = capture
        state = NIOLoopBoundBox(State(descriptor: descriptor, watch: watch), eventLoop: step.eventLoop)
        ended = step.eventLoop.makePromise()
    }

    /// Starts reading `descriptor`, which the reader then owns (it closes it
    /// as the output ends). If this throws, the descriptor has been closed,
    /// unless the step's loop has shut down.
    static func start(
        reading descriptor: CInt, as stream: StepOutputChunk.Stream, step: StepContext, capture: ShellCapture,
        watching watch: StartMarkerWatch? = nil
    ) async throws -> ShellOutputReader {
        let eventLoop = step.eventLoop
        if eventLoop.inEventLoop {
            return try Self.startOnLoop(reading: descriptor, as: stream, step: step, capture: capture, watching: watch)
        }
        return try await eventLoop.submit {
            try Self.startOnLoop(reading: descriptor, as: stream, step: step, capture: capture, watching: watch)
        }.get()
    }

    private static func startOnLoop(
        reading descriptor: CInt, as stream: StepOutputChunk.Stream, step: StepContext, capture: ShellCapture,
        watching watch: StartMarkerWatch?
    ) throws -> ShellOutputReader {
        guard taskloop_set_nonblocking(descriptor) == 0 else {
            let code = errno
            Glibc.close(descriptor)
            throw StepFailure("cannot read the command's output: \(SystemErrorText.describe(code))")
        }
        let reader = ShellOutputReader(descriptor: descriptor, stream: stream, step: step, capture: capture, watch: watch)
        // Told from the watcher's thread; read on the loop, after this job, so
        // the token is stored by then.
        let token = ChildWatcher.shared.watchReadable(descriptor) { [reader] in
            reader.eventLoop.execute { reader.readAvailable() }
        }
        if let token {
            reader.state.value.token = token
        } else {
            // No watcher: look every 20 ms (never blocking the loop).
            reader.state.value.polling = step.eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(20)) { _ in
                if !reader.state.value.isReadingOn { reader.readAvailable() }
            }
        }
        return reader
    }

    /// Ends each reader's output where its pipe's contents end now: the bytes
    /// already in the pipe are still streamed, nothing written later is.
    ///
    /// Called once the shell has exited and what was left of its process
    /// group has been killed, so the output ends with the shell, as it would
    /// at the end of the pipe, even when a process that left the group still
    /// holds the pipe open (it would never end otherwise).
    static func endWithPipeContents(_ readers: [ShellOutputReader]) async {
        for reader in readers {
            reader.eventLoop.execute { reader.endWithContentsNow() }
        }
        for reader in readers { try? await reader.ended.futureResult.get() }
    }

    /// Stops reading now (the command never started, or failed to).
    func close() async {
        eventLoop.execute { self.finish() }
        try? await ended.futureResult.get()
    }

    // MARK: On the loop

    /// Reads a chunk of what is there. While more may be there, reads on in
    /// a task of its own, after what the loop has queued meanwhile; once the
    /// pipe is empty, asks the watcher to tell when it is not. (So a command
    /// that floods its output is read without the watcher's thread or an
    /// `epoll_ctl` per chunk.) At any time either the watch is armed or one
    /// such task is queued, never both.
    private func readAvailable() {
        state.value.isReadingOn = false
        switch readChunk() {
        case .handled:
            state.value.isReadingOn = true
            eventLoop.execute { self.readAvailable() }
        case .wouldBlock: watchAgain()
        case .ended: finish()
        }
    }

    private func endWithContentsNow() {
        let descriptor = state.value.descriptor
        guard descriptor >= 0, state.value.remaining == nil else { return }
        let waiting = Int(taskloop_pipe_bytes_waiting(descriptor))
        state.value.remaining = max(0, waiting)
        // Those bytes are in the pipe: reading them does not wait.
        while state.value.remaining ?? 0 > 0, case .handled = readChunk() {}
        finish()
    }

    private enum ReadOutcome {
        case handled
        case wouldBlock
        /// The pipe's end, a read error (which ends the output as the end
        /// would), or the bytes to stream all streamed.
        case ended
    }

    /// Reads one chunk and hands it on.
    private func readChunk() -> ReadOutcome {
        let descriptor = state.value.descriptor
        guard descriptor >= 0 else { return .ended }
        let limit = min(Self.chunkSize, state.value.remaining ?? Int.max)
        guard limit > 0 else { return .ended }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.chunkSize) { buffer in
            var count: Int
            repeat {
                count = read(descriptor, buffer.baseAddress, limit)
            } while count < 0 && errno == EINTR
            if count < 0 { return errno == EAGAIN || errno == EWOULDBLOCK ? .wouldBlock : .ended }
            if count == 0 { return .ended }
            handle(Array(UnsafeBufferPointer(rebasing: buffer[..<count])))
            if let remaining = state.value.remaining {
                state.value.remaining = remaining - count
                if remaining - count <= 0 { return .ended }
            }
            return .handled
        }
    }

    private func handle(_ bytes: [UInt8]) {
        if stream == .standardOutput { capture.appendOutput(bytes) }
        for piece in state.value.lines.append(bytes) { emit(piece) }
    }

    private func watchAgain() {
        guard let token = state.value.token, state.value.descriptor >= 0 else { return }
        if !ChildWatcher.shared.rearm(state.value.descriptor, token: token) { finish() }
    }

    /// Closes the pipe and streams the last, unterminated line; once.
    private func finish() {
        let descriptor = state.value.descriptor
        guard descriptor >= 0 else { return }
        if let token = state.value.token { ChildWatcher.shared.stopWatching(token: token) }
        state.value.polling?.cancel()
        state.value.polling = nil
        Glibc.close(descriptor)
        state.value.descriptor = -1
        if let rest = state.value.lines.finish() { emit(.line(rest)) }
        ended.succeed()
    }

    /// A piece of a long line goes on as it is (no line end is made up), so
    /// the line stays whole for the masker and the console.
    private func emit(_ piece: LineAssembler.Piece) {
        if let watch = state.value.watch, piece.endsLine, piece.text.hasPrefix(watch.prefix) {
            state.value.watch = nil
            watch.found(String(piece.text.dropFirst(watch.prefix.count)))
            return
        }
        if stream == .standardError { capture.appendError(piece) }
        step.write(piece.streamText, to: stream)
    }
}
