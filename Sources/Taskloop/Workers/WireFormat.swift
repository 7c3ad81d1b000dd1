import NIOCore

/// How requests and replies are written inside a frame: fixed-width
/// big-endian integers, text as a 32-bit byte count and UTF-8, a tag byte
/// before each case of an enum. Written and read field by field with
/// `ByteBuffer`, with no reflection: a CPU step pays for its frames twice on
/// the loop and twice in its worker, and JSON coders cost tens of
/// microseconds for a small request.
///
/// Reading never traps on bad bytes: a short, unknown or over-deep frame
/// throws ``WireFormatError``, which the runner reports as a worker that
/// broke the protocol.
protocol WireMessage {
    func write(to buffer: inout ByteBuffer)
    init(from buffer: inout ByteBuffer) throws(WireFormatError)
}

/// A frame that is not a message of the protocol.
struct WireFormatError: Error, CustomStringConvertible {
    var description: String

    static let truncated = WireFormatError(description: "a frame that ends inside a message")
    static let tooDeep = WireFormatError(description: "a value nested more than \(WireValues.maximumDepth) levels deep")
    static func unknownTag(_ tag: UInt8, of kind: String) -> WireFormatError {
        WireFormatError(description: "an unknown \(kind) tag \(tag)")
    }
}

/// The field-level writers and readers the messages are made of.
enum WireValues {
    /// Configuration and outputs nest no deeper than this (the loader and
    /// ``JSONValue/maximumDepth`` already refuse deeper ones), so reading
    /// recurses a bounded number of times.
    static let maximumDepth = 1024

    static func write(_ text: String, to buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt32(text.utf8.count))
        buffer.writeString(text)
    }

    static func readText(_ buffer: inout ByteBuffer) throws(WireFormatError) -> String {
        guard let count = buffer.readInteger(as: UInt32.self), let text = buffer.readString(length: Int(count)) else {
            throw .truncated
        }
        return text
    }

    static func write(_ number: Int, to buffer: inout ByteBuffer) {
        buffer.writeInteger(Int64(number))
    }

    static func readInt(_ buffer: inout ByteBuffer) throws(WireFormatError) -> Int {
        guard let number = buffer.readInteger(as: Int64.self) else { throw .truncated }
        return Int(number)
    }

    static func readByte(_ buffer: inout ByteBuffer) throws(WireFormatError) -> UInt8 {
        guard let byte = buffer.readInteger(as: UInt8.self) else { throw .truncated }
        return byte
    }

    /// A count of items that follow, each at least one byte: a count larger
    /// than what is left is refused before anything is reserved for it.
    static func readCount(_ buffer: inout ByteBuffer) throws(WireFormatError) -> Int {
        guard let count = buffer.readInteger(as: UInt32.self), Int(count) <= buffer.readableBytes else { throw .truncated }
        return Int(count)
    }

    /// An optional value: a tag byte (0 none, 1 some), then the value.
    static func write<Value>(_ value: Value?, to buffer: inout ByteBuffer, _ writeValue: (Value, inout ByteBuffer) -> Void) {
        guard let value else {
            buffer.writeInteger(UInt8(0))
            return
        }
        buffer.writeInteger(UInt8(1))
        writeValue(value, &buffer)
    }

    static func readOptional<Value>(
        _ buffer: inout ByteBuffer, _ readValue: (inout ByteBuffer) throws(WireFormatError) -> Value
    ) throws(WireFormatError) -> Value? {
        switch try readByte(&buffer) {
        case 0: return nil
        case 1: return try readValue(&buffer)
        case let tag: throw .unknownTag(tag, of: "optional")
        }
    }

    // MARK: Configuration

    static func write(_ node: ConfigNode, to buffer: inout ByteBuffer) {
        write(node.location.file, to: &buffer)
        write(node.location.line, to: &buffer)
        write(node.location.column, to: &buffer)
        switch node.content {
        case .scalar(let text, let isPlain):
            buffer.writeInteger(UInt8(isPlain ? 1 : 0))
            write(text, to: &buffer)
        case .sequence(let items):
            buffer.writeInteger(UInt8(2))
            buffer.writeInteger(UInt32(items.count))
            for item in items { write(item, to: &buffer) }
        case .mapping(let entries):
            buffer.writeInteger(UInt8(3))
            buffer.writeInteger(UInt32(entries.count))
            for entry in entries {
                write(entry.key, to: &buffer)
                write(entry.value, to: &buffer)
            }
        }
    }

    static func readNode(_ buffer: inout ByteBuffer, depth: Int = 0) throws(WireFormatError) -> ConfigNode {
        guard depth <= maximumDepth else { throw .tooDeep }
        let location = SourceLocation(file: try readText(&buffer), line: try readInt(&buffer), column: try readInt(&buffer))
        switch try readByte(&buffer) {
        case let plainness where plainness <= 1:
            return ConfigNode(.scalar(try readText(&buffer), isPlain: plainness == 1), at: location)
        case 2:
            let count = try readCount(&buffer)
            var items: [ConfigNode] = []
            items.reserveCapacity(count)
            for _ in 0..<count { items.append(try readNode(&buffer, depth: depth + 1)) }
            return ConfigNode(.sequence(items), at: location)
        case 3:
            let count = try readCount(&buffer)
            var entries: [ConfigNode.Entry] = []
            entries.reserveCapacity(count)
            for _ in 0..<count {
                let key = try readNode(&buffer, depth: depth + 1)
                entries.append(ConfigNode.Entry(key: key, value: try readNode(&buffer, depth: depth + 1)))
            }
            return ConfigNode(.mapping(entries), at: location)
        case let tag:
            throw .unknownTag(tag, of: "configuration")
        }
    }

    // MARK: Outputs

    static func write(_ value: JSONValue, to buffer: inout ByteBuffer) {
        switch value {
        case .null:
            buffer.writeInteger(UInt8(0))
        case .bool(let flag):
            buffer.writeInteger(UInt8(flag ? 2 : 1))
        case .number(let number):
            buffer.writeInteger(UInt8(3))
            buffer.writeInteger(number.bitPattern)
        case .string(let text):
            buffer.writeInteger(UInt8(4))
            write(text, to: &buffer)
        case .array(let items):
            buffer.writeInteger(UInt8(5))
            buffer.writeInteger(UInt32(items.count))
            for item in items { write(item, to: &buffer) }
        case .object(let members):
            buffer.writeInteger(UInt8(6))
            write(members, to: &buffer)
        }
    }

    static func write(_ members: [String: JSONValue], to buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt32(members.count))
        for (name, member) in members {
            write(name, to: &buffer)
            write(member, to: &buffer)
        }
    }

    static func readValue(_ buffer: inout ByteBuffer, depth: Int = 0) throws(WireFormatError) -> JSONValue {
        guard depth <= maximumDepth else { throw .tooDeep }
        switch try readByte(&buffer) {
        case 0: return .null
        case 1: return .bool(false)
        case 2: return .bool(true)
        case 3:
            guard let bits = buffer.readInteger(as: UInt64.self) else { throw .truncated }
            return .number(Double(bitPattern: bits))
        case 4: return .string(try readText(&buffer))
        case 5:
            let count = try readCount(&buffer)
            var items: [JSONValue] = []
            items.reserveCapacity(count)
            for _ in 0..<count { items.append(try readValue(&buffer, depth: depth + 1)) }
            return .array(items)
        case 6: return .object(try readMembers(&buffer, depth: depth + 1))
        case let tag: throw .unknownTag(tag, of: "value")
        }
    }

    static func readMembers(_ buffer: inout ByteBuffer, depth: Int = 0) throws(WireFormatError) -> [String: JSONValue] {
        let count = try readCount(&buffer)
        var members: [String: JSONValue] = [:]
        members.reserveCapacity(count)
        for _ in 0..<count {
            let name = try readText(&buffer)
            members[name] = try readValue(&buffer, depth: depth)
        }
        return members
    }
}

extension WorkerRequest: WireMessage {
    func write(to buffer: inout ByteBuffer) {
        WireValues.write(id, to: &buffer)
        WireValues.write(function, to: &buffer)
        WireValues.write(step, to: &buffer)
        WireValues.write(workingDirectory, to: &buffer)
        WireValues.write(with, to: &buffer)
    }

    init(from buffer: inout ByteBuffer) throws(WireFormatError) {
        self.init(
            id: try WireValues.readInt(&buffer), function: try WireValues.readText(&buffer),
            step: try WireValues.readText(&buffer), workingDirectory: try WireValues.readText(&buffer),
            with: try WireValues.readNode(&buffer))
    }
}

extension WorkerReply: WireMessage {
    func write(to buffer: inout ByteBuffer) {
        WireValues.write(id, to: &buffer)
        WireValues.write(outputs, to: &buffer) { WireValues.write($0, to: &$1) }
        WireValues.write(error, to: &buffer) { WireValues.write($0, to: &$1) }
    }

    init(from buffer: inout ByteBuffer) throws(WireFormatError) {
        let id = try WireValues.readInt(&buffer)
        let outputs = try WireValues.readOptional(&buffer) { (buffer: inout ByteBuffer) throws(WireFormatError) in
            try WireValues.readMembers(&buffer)
        }
        self.init(id: id, outputs: outputs, error: try WireValues.readOptional(&buffer, WireValues.readText))
    }
}
