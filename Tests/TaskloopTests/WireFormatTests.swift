import NIOCore
import Testing
@testable import Taskloop

/// The binary layout of requests and replies: what is written is read back
/// whole, and bytes that are not a message are refused with a reason, never
/// trapped on.
@Suite struct WireFormatTests {
    /// The payload of a message's frame (its bytes after the length).
    private func payload(_ message: some WireMessage) -> [UInt8] {
        var frame = WireProtocol.frame(message)
        let length = frame.readInteger(as: UInt32.self)
        #expect(length.map(Int.init) == frame.readableBytes)
        return Array(frame.readableBytesView)
    }

    @Test func aRequestIsReadBackWhole() throws {
        func at(_ line: Int, _ column: Int) -> SourceLocation { SourceLocation(file: "dir/p.yaml", line: line, column: column) }
        func scalar(_ text: String, plain: Bool = true, _ line: Int, _ column: Int) -> ConfigNode {
            ConfigNode(.scalar(text, isPlain: plain), at: at(line, column))
        }
        let node = ConfigNode(.mapping([
            .init(key: scalar("for", 5, 3), value: scalar("5ms", 5, 8)),
            .init(key: scalar("list", 6, 3), value: ConfigNode(.sequence([
                scalar("1", 6, 10), scalar("two", plain: false, 6, 13),
                ConfigNode(.mapping([.init(key: scalar("deep", 6, 22), value: ConfigNode(.sequence([]), at: at(6, 28)))]), at: at(6, 20)),
            ]), at: at(6, 9))),
            .init(key: scalar("quoted", plain: false, 7, 3), value: scalar("x ✓", plain: false, 7, 13)),
        ]), at: at(5, 1))
        let request = WorkerRequest(id: 42, function: "spin", step: "s", workingDirectory: "/tmp/é", with: node)
        let read = try WireProtocol.decode(WorkerRequest.self, from: payload(request))
        #expect(read.id == 42)
        #expect(read.function == "spin")
        #expect(read.step == "s")
        #expect(read.workingDirectory == "/tmp/é")
        #expect(read.with == node)
    }

    @Test func aReplyIsReadBackWhole() throws {
        let outputs: StepOutputs = [
            "n": .number(12.5), "big": .number(1e300), "negative": .number(-0.25), "nothing": .null, "yes": .bool(true), "no": .bool(false),
            "text": .string("line\nnext \u{0}"), "list": .array([.number(1), .array([]), .object(["k": .string("v")])]),
        ]
        let read = try WireProtocol.decode(WorkerReply.self, from: payload(WorkerReply(id: 7, outputs: outputs, error: nil)))
        #expect(read.id == 7)
        #expect(read.outputs == outputs)
        #expect(read.error == nil)

        let failed = try WireProtocol.decode(WorkerReply.self, from: payload(WorkerReply(id: 8, outputs: nil, error: "bad input")))
        #expect(failed.outputs == nil)
        #expect(failed.error == "bad input")
    }

    @Test func everyCutShortFrameIsRefused() throws {
        let bytes = payload(WorkerReply(id: 3, outputs: ["a": .array([.string("xyz"), .number(1)])], error: "e"))
        for length in 0..<bytes.count {
            #expect(throws: WireFormatError.self) { try WireProtocol.decode(WorkerReply.self, from: Array(bytes.prefix(length))) }
        }
        #expect(throws: WireFormatError.self) { try WireProtocol.decode(WorkerReply.self, from: bytes + [0]) }
    }

    @Test func unknownTagsAndImpossibleCountsAreRefused() throws {
        var unknownTag = ByteBuffer()
        unknownTag.writeInteger(Int64(1))
        unknownTag.writeInteger(UInt8(9))
        let error = try #require(throws: WireFormatError.self) {
            try WireProtocol.decode(WorkerReply.self, from: Array(unknownTag.readableBytesView))
        }
        #expect(error.description == "an unknown optional tag 9")

        // Four billion members announced in a few bytes: refused before any is read.
        var hugeCount = ByteBuffer()
        hugeCount.writeInteger(Int64(1))
        hugeCount.writeInteger(UInt8(1))
        hugeCount.writeInteger(UInt32.max)
        #expect(throws: WireFormatError.self) { try WireProtocol.decode(WorkerReply.self, from: Array(hugeCount.readableBytesView)) }
    }

    @Test func valuesNestedPastTheLimitAreRefusedWithoutDeepRecursion() throws {
        var deep = ByteBuffer()
        deep.writeInteger(Int64(1))
        deep.writeInteger(UInt8(1))
        deep.writeInteger(UInt32(1))
        WireValues.write("x", to: &deep)
        for _ in 0..<100_000 {
            deep.writeInteger(UInt8(5))
            deep.writeInteger(UInt32(1))
        }
        deep.writeInteger(UInt8(0))
        deep.writeInteger(UInt8(0))
        let error = try #require(throws: WireFormatError.self) {
            try WireProtocol.decode(WorkerReply.self, from: Array(deep.readableBytesView))
        }
        #expect(error.description == "a value nested more than \(WireValues.maximumDepth) levels deep")
    }
}
