import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A small HTTP/1.1 server on 127.0.0.1 for tests and benchmarks of HTTP
/// steps. It runs on its own event loop and answers:
///
/// - `/echo`: the request as JSON (`method`, `path`, `headers`, `body`)
/// - `/status/N`: status N, body `status N`
/// - `/redirect/N?to=PATH`: `N` redirects (302) in a row, then `PATH` (default `/echo`)
/// - `/see-other`: 303 to `/echo`
/// - `/json`: a fixed JSON document
/// - `/bytes/N`: N bytes of `x`, streamed in 64 KiB chunks as the client reads
/// - `/stall`: never answers
/// - `/stall-body`: answers with a head for 10 bytes, sends 5, then nothing more
/// - `/huge-headers`: a header of 100 KiB, more than a client reads
/// - `/hello`: `hello` (the benchmark's target)
/// - `/versioned`: the ``VersionedDocument``'s current text, with its `ETag`
///   and `Last-Modified`, honouring `If-None-Match` and `If-Modified-Since`
///   with a 304; `?only=etag` or `?only=last-modified` sends one validator
public final class TestHTTPServer: Sendable {
    public let port: Int
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let counter: RequestCounter
    /// What `/versioned` serves; a test changes it between requests.
    public let document: VersionedDocument

    public var baseURL: String { "http://127.0.0.1:\(port)" }
    /// How many requests the server has received.
    public var requestCount: Int { counter.value }

    private init(port: Int, group: MultiThreadedEventLoopGroup, channel: any Channel, counter: RequestCounter, document: VersionedDocument) {
        self.port = port
        self.group = group
        self.channel = channel
        self.counter = counter
        self.document = document
    }

    /// Starts a server on 127.0.0.1, on `port` (0: any free port).
    public static func start(port: Int = 0) async throws -> TestHTTPServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let counter = RequestCounter()
        let document = VersionedDocument()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(TestHTTPHandler(counter: counter, document: document))
                }
            }
            .bind(host: "127.0.0.1", port: port).get()
        return TestHTTPServer(port: channel.localAddress?.port ?? 0, group: group, channel: channel, counter: counter, document: document)
    }

    public func stop() async throws {
        try await channel.close()
        try await group.shutdownGracefully()
    }
}

/// Counts the requests all connections of one server received.
final class RequestCounter: Sendable {
    private let count = Atomic<Int>(0)
    func increment() { count.add(1, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}

final class TestHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let counter: RequestCounter
    private let document: VersionedDocument
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    /// Bytes still to send for `/bytes/N`.
    private var remaining = 0
    /// True while `sendMoreBytes` runs: a flush can report a writability
    /// change re-entrantly, which must not start a second sender.
    private var isSending = false
    private var keepAlive = true

    init(counter: RequestCounter, document: VersionedDocument) {
        self.counter = counter
        self.document = document
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body.clear()
        case .body(var chunk):
            body.writeBuffer(&chunk)
        case .end:
            counter.increment()
            guard let head else { return }
            keepAlive = head.isKeepAlive
            respond(to: head, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let url = URLComponents(string: head.uri)
        let path = url?.path ?? head.uri
        let query = Dictionary((url?.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        let parts = path.split(separator: "/").map(String.init)
        switch parts.first {
        case "echo":
            let headers = Dictionary(head.headers.map { ($0.name.lowercased(), $0.value) }, uniquingKeysWith: { first, second in first + ", " + second })
            let object: [String: Any] = [
                "method": head.method.rawValue, "path": head.uri, "headers": headers,
                "body": String(buffer: body),
            ]
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            send(.ok, body: String(decoding: data, as: UTF8.self), contentType: "application/json", extra: [("X-Echo", "yes")], context: context)
        case "status":
            let code = Int(parts.count > 1 ? parts[1] : "") ?? 500
            send(HTTPResponseStatus(statusCode: code), body: "status \(code)", context: context)
        case "redirect":
            let count = Int(parts.count > 1 ? parts[1] : "") ?? 1
            let target = query["to"] ?? "/echo"
            let location = count > 1 ? "/redirect/\(count - 1)?to=\(target)" : target
            send(.found, body: "", extra: [("Location", location)], context: context)
        case "see-other":
            send(.seeOther, body: "", extra: [("Location", "/echo")], context: context)
        case "json":
            send(.ok, body: #"{"items":[{"name":"first","size":3},{"name":"second","size":5}],"title":"it's \"quoted\"; rm -rf /","count":2}"#, contentType: "application/json", context: context)
        case "hello":
            send(.ok, body: "hello", context: context)
        case "bytes":
            remaining = Int(parts.count > 1 ? parts[1] : "") ?? 0
            var headers = HTTPHeaders([("Content-Length", String(remaining)), ("Content-Type", "application/octet-stream")])
            if !keepAlive { headers.add(name: "Connection", value: "close") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            sendMoreBytes(context: context)
        case "versioned":
            let (status, body, headers) = document.respond(to: head.headers, only: query["only"])
            send(status, body: body, extra: headers, context: context)
        case "stall":
            break  // Never answer: the client must give up by itself.
        case "huge-headers":
            send(.ok, body: "ok", extra: [("X-Huge", String(repeating: "h", count: 100 * 1024))], context: context)
        case "stall-body":
            let headers = HTTPHeaders([("Content-Length", "10"), ("Content-Type", "text/plain")])
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: "start")))), promise: nil)
        default:
            send(.notFound, body: "no route \(path)", context: context)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, remaining > 0 { sendMoreBytes(context: context) }
        context.fireChannelWritabilityChanged()
    }

    /// Writes chunks while the channel accepts them, so the server never
    /// holds more than its outbound buffer in memory.
    private func sendMoreBytes(context: ChannelHandlerContext) {
        guard !isSending else { return }
        isSending = true
        defer { isSending = false }
        let chunk = ByteBuffer(repeating: UInt8(ascii: "x"), count: 64 * 1024)
        while remaining > 0, context.channel.isWritable {
            let size = min(remaining, chunk.readableBytes)
            remaining -= size
            context.write(wrapOutboundOut(.body(.byteBuffer(chunk.getSlice(at: 0, length: size)!))), promise: nil)
            context.flush()
        }
        if remaining == 0 {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            if !keepAlive { context.close(promise: nil) }
        }
    }

    private func send(
        _ status: HTTPResponseStatus, body: String, contentType: String = "text/plain",
        extra: [(String, String)] = [], context: ChannelHandlerContext
    ) {
        // A 304 has no body, so neither a length nor a type of one.
        let hasBody = status != .notModified
        var headers = hasBody ? HTTPHeaders([("Content-Length", String(body.utf8.count)), ("Content-Type", contentType)]) : HTTPHeaders()
        for (name, value) in extra { headers.add(name: name, value: value) }
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        if hasBody { context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil) }
        let keepAlive = self.keepAlive
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            if !keepAlive { context.close(promise: nil) }
        }
    }
}
