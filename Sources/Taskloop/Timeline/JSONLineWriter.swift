/// Writes JSON text straight into a byte buffer: the event log's encoder,
/// without `JSONEncoder`'s reflection, boxing and key sorting per event.
///
/// The text is byte for byte what `JSONEncoder` writes with
/// `[.sortedKeys, .withoutEscapingSlashes]` (the log's format since version
/// 1): callers write an object's keys in sorted order, dictionaries are
/// sorted here, strings are escaped the same way (`"`, `\`, and control
/// characters; `\b \t \n \f \r` by name, the rest as `\u00XX`), and numbers
/// are spelled the same way. `JSONLineWriterTests` hold the two side by side.
struct JSONLineWriter {
    private(set) var bytes: [UInt8] = []
    /// Whether a value was just written at the current level, so the next
    /// key or element needs a comma first.
    private var needsComma = false

    init(reservingCapacity capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    /// Ends the current line (the caller has closed every object).
    mutating func newline() {
        bytes.append(UInt8(ascii: "\n"))
        needsComma = false
    }

    /// Appends bytes that are already JSON text (whole lines).
    mutating func append(raw text: [UInt8]) {
        bytes.append(contentsOf: text)
        needsComma = false
    }

    mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// Writes `"name":`; the value follows. `name` is one of the format's
    /// own keys (plain ASCII, nothing to escape).
    mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// Writes `"key":` for a key that comes from outside (escaped).
    mutating func key(escaping name: String) {
        string(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    mutating func string(_ value: String) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var start = 0
            for index in utf8.indices {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                Self.appendEscaped(byte, to: &bytes)
                start = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        }
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    /// A whole number in decimal, written digit by digit (``ASCIIDigits``;
    /// no `String` in between: every event has a few).
    mutating func integer<Integer: FixedWidthInteger>(_ value: Integer) {
        separate()
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        ASCIIDigits.with(UInt64(value.magnitude)) { bytes.append(contentsOf: $0) }
        needsComma = true
    }

    mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: value ? Self.trueText : Self.falseText)
        needsComma = true
    }

    mutating func null() {
        separate()
        bytes.append(contentsOf: Self.nullText)
        needsComma = true
    }

    /// A finite number as `JSONEncoder` spells it: Swift's shortest
    /// round-trip form, without a trailing `.0`.
    mutating func double(_ value: Double) {
        separate()
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        bytes.append(contentsOf: text.utf8)
        needsComma = true
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    private static let trueText = Array("true".utf8)
    private static let falseText = Array("false".utf8)
    private static let nullText = Array("null".utf8)

    private static func appendEscaped(_ byte: UInt8, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
        case 0x08: bytes.append(UInt8(ascii: "b"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0C: bytes.append(UInt8(ascii: "f"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        default:
            bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
            bytes.append(ContentDigest.hexDigits[Int(byte >> 4)])
            bytes.append(ContentDigest.hexDigits[Int(byte & 0xF)])
        }
    }
}

extension JSONLineWriter {
    /// A dictionary as an object, keys sorted as `JSONEncoder` sorts them.
    mutating func object<Value>(_ dictionary: [String: Value], _ writeValue: (inout JSONLineWriter, Value) -> Void) {
        beginObject()
        for (name, value) in dictionary.sorted(by: { $0.key < $1.key }) {
            key(escaping: name)
            writeValue(&self, value)
        }
        endObject()
    }

    mutating func strings(_ values: [String]) {
        beginArray()
        for value in values { string(value) }
        endArray()
    }

    mutating func json(_ value: JSONValue) {
        switch value {
        case .null: null()
        case .bool(let flag): bool(flag)
        case .number(let number):
            if number.rounded() == number, abs(number) < 1e15 {
                integer(Int64(number))
            } else {
                double(number)
            }
        case .string(let text): string(text)
        case .array(let elements):
            beginArray()
            for element in elements { json(element) }
            endArray()
        case .object(let members):
            object(members) { writer, member in writer.json(member) }
        }
    }
}

extension JSONValue {
    /// Whether every number in the value is finite (JSON has no spelling for
    /// the others: `JSONEncoder` refuses them).
    var isEncodable: Bool {
        switch self {
        case .null, .bool, .string: return true
        case .number(let number): return number.isFinite
        case .array(let elements): return elements.allSatisfy(\.isEncodable)
        case .object(let members): return members.values.allSatisfy(\.isEncodable)
        }
    }
}
