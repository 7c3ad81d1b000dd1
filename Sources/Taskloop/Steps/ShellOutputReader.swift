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
    /// Succeeds once the channel has closed and the last, unterminated line
    /// (if any) has been streamed. Never fails.
    private let ended: EventLoopFuture<Void>

    /// Starts reading `descriptor`, which the reader then owns (NIO closes it
    /// with the channel). If this throws, the descriptor may or may not have
    /// been closed: the caller must not touch it again.
    static func start(
        reading descriptor: CInt, as stream: StepOutputChunk.Stream, step: StepContext, capture: ShellCapture
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
                        ShellOutputHandler(stream: stream, step: step, capture: capture, ended: ended))
                } catch {
                    ended.succeed()
                    throw error
                }
                return ShellOutputReader(channel: channel, ended: ended.futureResult)
            }
        }
    }

    /// Waits for the end of every reader's output. Once the command has
    /// exited and its process group is gone, the pipes end at once; a process
    /// that left the group could hold one open forever, so after `grace` the
    /// pipes still open are closed and their output ends there.
    static func end(_ readers: [ShellOutputReader], within grace: TimeAmount) async {
        let deadlines = readers.map { reader in
            let channel = reader.channel
            return channel.eventLoop.scheduleTask(in: grace) { channel.close(promise: nil) }
        }
        for reader in readers { try? await reader.ended.get() }
        for deadline in deadlines { deadline.cancel() }
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
    private var isFinished = false

    init(stream: StepOutputChunk.Stream, step: StepContext, capture: ShellCapture, ended: EventLoopPromise<Void>) {
        self.stream = stream
        self.step = step
        self.capture = capture
        self.ended = ended
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = Self.unwrapInboundIn(data).withUnsafeReadableBytes { Array($0) }
        if stream == .standardOutput { capture.appendOutput(bytes) }
        for line in lines.append(bytes) { emit(line) }
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
        if let rest = lines.finish() { emit(rest) }
        ended.succeed()
    }

    private func emit(_ line: String) {
        if stream == .standardError { capture.appendErrorLine(line) }
        step.write(line + "\n", to: stream)
    }
}
