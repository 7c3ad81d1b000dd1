import NIOCore

/// The runner's end of one worker's pipes, on the run's event loop: sends
/// request frames and hands over each whole frame the worker sends back.
///
/// A plain channel handler rather than an `NIOAsyncChannel`: a CPU step is
/// one request and one reply, and the async channel's sequence and writer
/// machinery (locks, a yield and a continuation per message) was a third of
/// the loop's time for each such step.
struct WorkerConnection: Sendable {
    let channel: any Channel
    private let handler: NIOLoopBound<WorkerFrameHandler>

    /// Wraps `channel`, adding the handler; call on the channel's loop.
    init(wrappingChannelSynchronously channel: any Channel) throws {
        let handler = WorkerFrameHandler(eventLoop: channel.eventLoop)
        try channel.pipeline.syncOperations.addHandler(handler)
        self.channel = channel
        self.handler = NIOLoopBound(handler, eventLoop: channel.eventLoop)
    }

    /// The next frame the worker sends. Throws ``WorkerSlot/EndOfOutput``
    /// when its output ends first, or why its frames cannot be read.
    func nextFrame() async throws -> [UInt8] {
        try await onLoop { $0.nextFrame() }.get()
    }

    /// Sends `frame`, then waits for the next frame the worker sends.
    func request(_ frame: ByteBuffer) async throws -> [UInt8] {
        let channel = self.channel
        return try await onLoop { handler in
            let reply = handler.nextFrame()
            channel.writeAndFlush(frame, promise: nil)  // A failed write closes the channel: the reply fails.
            return reply
        }.get()
    }

    /// Closes the pipes (the worker exits at the end of its stdin).
    func close() async {
        try? await channel.close()
    }

    private func onLoop(_ body: @escaping @Sendable (WorkerFrameHandler) -> EventLoopFuture<[UInt8]>) -> EventLoopFuture<[UInt8]> {
        let eventLoop = channel.eventLoop
        if eventLoop.inEventLoop { return body(handler.value) }
        let handler = self.handler
        return eventLoop.flatSubmit { body(handler.value) }
    }
}

/// Cuts what a worker's stdout delivers into frames and completes the
/// waiting read with each. Lives on the channel's event loop.
final class WorkerFrameHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let eventLoop: any EventLoop
    private var decoder = FrameDecoder()
    /// Frames that came before anyone asked for them.
    private var frames: [[UInt8]] = []
    private var waiting: EventLoopPromise<[UInt8]>?
    /// Why no more frames will come, once that is so.
    private var end: (any Error)?

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish(WorkerSlot.EndOfOutput())
    }

    /// The next frame: one already here, or the one to come.
    func nextFrame() -> EventLoopFuture<[UInt8]> {
        if !frames.isEmpty { return eventLoop.makeSucceededFuture(frames.removeFirst()) }
        if let end { return eventLoop.makeFailedFuture(end) }
        // One frame is awaited at a time (the slot's task asks in turn); a
        // second ask would take over, failing the first.
        waiting?.fail(WorkerSlot.EndOfOutput())
        let promise = eventLoop.makePromise(of: [UInt8].self)
        waiting = promise
        return promise.futureResult
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard end == nil else { return }
        decoder.append(Self.unwrapInboundIn(data).readableBytesView)
        do {
            while let frame = try decoder.next() {
                if let promise = waiting {
                    waiting = nil
                    promise.succeed(frame)
                } else {
                    frames.append(frame)
                }
            }
        } catch {
            finish(error)
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(WorkerSlot.EndOfOutput())
        context.fireChannelInactive()
    }

    /// A read or write error ends the conversation, as the end of the pipe would.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(WorkerSlot.EndOfOutput())
        context.close(promise: nil)
    }

    private func finish(_ error: any Error) {
        guard end == nil else { return }
        end = error
        waiting?.fail(error)
        waiting = nil
    }
}
