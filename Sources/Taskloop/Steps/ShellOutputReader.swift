import CTaskloopShims
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// Reads one output pipe of a shell step's command on the step's event loop
/// (a NIO pipe channel that only reads) and streams it into the step line by
/// line: each line goes to ``StepContext/write(_:to:)``, stdout is kept in the
/// ``ShellCapture`` up to its limit, and stderr's last lines for a failure.
///
/// Memory stays flat however much the command prints: each chunk read is
/// handled in full, synchronously, before the channel reads the next one, and
/// what it is handed to is bounded (the capture, the line assembler's 64 KiB).
/// So the pipe is drained only as fast as the step consumes it, and a command
/// that prints faster than that blocks on a full pipe.
struct ShellOutputReader: Sendable {
    private let channel: any Channel
    /// Our read end, open (and ours) while the channel is active: the channel
    /// closes it on the event loop as it becomes inactive.
    private let descriptor: CInt
    /// Succeeds once the channel has closed and the last, unterminated line
    /// (if any) has been streamed. Never fails.
    private let ended: EventLoopFuture<Void>

    /// Starts reading `descriptor`, which the reader then owns (NIO closes it
    /// with the channel). If this throws, the descriptor may or may not have
    /// been closed: the caller must not touch it again.
    static func start(
        reading descriptor: CInt, as stream: StepOutputChunk.Stream, step: StepContext, capture: ShellCapture,
        watching watch: StartMarkerWatch? = nil
    ) async throws -> ShellOutputReader {
        guard let bootstrap = NIOPipeBootstrap(validatingGroup: step.eventLoop) else {
            Glibc.close(descriptor)
            throw StepFailure("the run's event loop cannot read pipes")
        }
        return try await bootstrap.takingOwnershipOfDescriptor(input: descriptor) { channel in
            channel.eventLoop.makeCompletedFuture {
                let ended = channel.eventLoop.makePromise(of: Void.self)
                do {
                    try channel.pipeline.syncOperations.addHandler(
                        ShellOutputHandler(stream: stream, step: step, capture: capture, ended: ended, watch: watch))
                } catch {
                    ended.succeed()
                    throw error
                }
                return ShellOutputReader(channel: channel, descriptor: descriptor, ended: ended.futureResult)
            }
        }
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
            let channel = reader.channel
            let descriptor = reader.descriptor
            channel.eventLoop.execute {
                // The descriptor is closed, on this loop, as the channel stops being active.
                guard channel.isActive,
                    let handler = try? channel.pipeline.syncOperations.handler(type: ShellOutputHandler.self)
                else { return }
                handler.end(after: { Int(taskloop_pipe_bytes_waiting(descriptor)) }, closing: channel)
            }
        }
        for reader in readers { try? await reader.ended.get() }
    }

    /// Stops reading now (the command never started, or failed to).
    func close() async {
        channel.close(promise: nil)
        try? await ended.get()
    }
}

/// Cuts what one pipe delivers into lines and hands them to the step. Lives
/// on the channel's event loop.
private final class ShellOutputHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let stream: StepOutputChunk.Stream
    private let step: StepContext
    private let capture: ShellCapture
    private let ended: EventLoopPromise<Void>
    private var lines = LineAssembler()
    /// How many more bytes to stream before the output ends, once that is
    /// decided (``end(after:closing:)``); nil until then.
    private var remaining: Int?
    private var isFinished = false
    /// Until its line has come: the start marker to take out of the output.
    private var watch: StartMarkerWatch?

    init(stream: StepOutputChunk.Stream, step: StepContext, capture: ShellCapture, ended: EventLoopPromise<Void>, watch: StartMarkerWatch? = nil) {
        self.watch = watch
        self.stream = stream
        self.step = step
        self.capture = capture
        self.ended = ended
    }

    /// Streams the number of bytes `waiting` gives (those in the pipe now),
    /// then closes the channel. `waiting` is asked only while the channel,
    /// and so its descriptor, is still open.
    func end(after waiting: () -> Int, closing channel: any Channel) {
        guard !isFinished, remaining == nil else { return }
        let count = waiting()
        if count > 0 {
            remaining = count
        } else {
            channel.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !isFinished else { return }
        var bytes = Self.unwrapInboundIn(data).withUnsafeReadableBytes { Array($0) }
        if let remaining {
            if bytes.count >= remaining { bytes.removeLast(bytes.count - remaining) }
            self.remaining = remaining - bytes.count
        }
        if stream == .standardOutput { capture.appendOutput(bytes) }
        for piece in lines.append(bytes) { emit(piece) }
        if remaining == 0 { context.close(promise: nil) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish()
        context.fireChannelInactive()
    }

    /// Also reached when the channel closes without having become active.
    func handlerRemoved(context: ChannelHandlerContext) {
        finish()
    }

    /// A read error ends the output, as the end of the pipe would.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func finish() {
        guard !isFinished else { return }
        isFinished = true
        if let rest = lines.finish() { emit(.line(rest)) }
        ended.succeed()
    }

    /// A piece of a long line goes on as it is (no line end is made up), so
    /// the line stays whole for the masker and the console.
    private func emit(_ piece: LineAssembler.Piece) {
        if let watch, piece.endsLine, piece.text.hasPrefix(watch.prefix) {
            self.watch = nil
            watch.found(String(piece.text.dropFirst(watch.prefix.count)))
            return
        }
        if stream == .standardError { capture.appendError(piece) }
        step.write(piece.streamText, to: stream)
    }
}
