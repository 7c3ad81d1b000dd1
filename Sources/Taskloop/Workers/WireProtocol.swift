import Foundation
import NIOCore

/// The messages between the runner and a worker, one frame each way per
/// request: a 4-byte big-endian length, then that many bytes of message.
///
/// The worker's first frame, its hello, is JSON, so that a worker of any
/// version can say which protocol it speaks; requests and replies are in
/// ``WireFormat``'s binary layout.
///
/// The protocol assumes only the worker's stdin and stdout: no shared files,
/// no shared host, no signals, so a worker may run under `ssh` or `srun`.
enum WireProtocol {
    /// 2: requests and replies in the binary layout (1 had them in JSON).
    static let version = 2
    /// Larger frames are refused as malformed.
    static let maximumFrameSize = 64 * 1024 * 1024

    /// The hello's frame.
    static func frame(_ hello: WorkerHello) throws -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let payload = try encoder.encode(hello)
        return frame { $0.writeBytes(payload) }
    }

    static func decodeHello(from payload: [UInt8]) throws -> WorkerHello {
        try JSONDecoder().decode(WorkerHello.self, from: Data(payload))
    }

    /// A request's or a reply's frame.
    static func frame(_ message: some WireMessage) -> ByteBuffer {
        frame { message.write(to: &$0) }
    }

    /// The 4-byte length, then what `writePayload` writes.
    private static func frame(_ writePayload: (inout ByteBuffer) -> Void) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: 256)
        buffer.writeInteger(UInt32(0))
        writePayload(&buffer)
        buffer.setInteger(UInt32(buffer.readableBytes - 4), at: buffer.readerIndex)
        return buffer
    }

    static func decode<Message: WireMessage>(_ type: Message.Type, from payload: [UInt8]) throws(WireFormatError) -> Message {
        var buffer = ByteBuffer(bytes: payload)
        let message = try Message(from: &buffer)
        guard buffer.readableBytes == 0 else { throw WireFormatError(description: "\(buffer.readableBytes) bytes after a message") }
        return message
    }
}

/// The worker's first frame.
struct WorkerHello: Codable, Hashable {
    var protocolVersion: Int
    var pid: Int32
}

/// Run `function` with `with` for `step`.
package struct WorkerRequest: Sendable {
    var id: Int
    var function: String
    var step: String
    var workingDirectory: String
    var with: ConfigNode

    package init(id: Int, function: String, step: String, workingDirectory: String, with: ConfigNode) {
        self.id = id
        self.function = function
        self.step = step
        self.workingDirectory = workingDirectory
        self.with = with
    }
}

/// The answer to one request: outputs, or the error message.
package struct WorkerReply: Sendable {
    var id: Int
    var outputs: StepOutputs?
    var error: String?
}

/// Cuts a byte stream into frames.
struct FrameDecoder {
    enum Failure: Error, CustomStringConvertible {
        case frameTooLarge(Int)

        var description: String {
            switch self {
            case .frameTooLarge(let size): return "a frame of \(size) bytes (more than \(WireProtocol.maximumFrameSize))"
            }
        }
    }

    private var buffer: [UInt8] = []
    private var start = 0

    mutating func append(_ bytes: some Sequence<UInt8>) {
        buffer.append(contentsOf: bytes)
    }

    /// The next complete frame's payload, if one has arrived.
    mutating func next() throws(Failure) -> [UInt8]? {
        guard buffer.count - start >= 4 else { return nil }
        let length = Int(buffer[start]) << 24 | Int(buffer[start + 1]) << 16 | Int(buffer[start + 2]) << 8 | Int(buffer[start + 3])
        guard length <= WireProtocol.maximumFrameSize else { throw .frameTooLarge(length) }
        guard buffer.count - start - 4 >= length else { return nil }
        let payload = Array(buffer[(start + 4)..<(start + 4 + length)])
        start += 4 + length
        if start > 64 * 1024, start * 2 > buffer.count {
            buffer.removeFirst(start)
            start = 0
        }
        return payload
    }
}
