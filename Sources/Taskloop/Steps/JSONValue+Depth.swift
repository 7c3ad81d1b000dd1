extension JSONValue {
    /// How deeply a value may nest (arrays and objects in one another).
    ///
    /// Values are encoded, compared and printed recursively, and Foundation's
    /// JSON coders stop at 512 levels, so every place a value enters a run (a
    /// `json:` body in the file, `fromJSON`, an HTTP response, a step's
    /// outputs) refuses one that nests deeper than this, with a message.
    /// Then every value can be written to the event log and the reports.
    public static let maximumDepth = 256

    /// The levels of nesting: 0 for a scalar, 1 for `[]` or `[1]`. Computed
    /// without recursion, so any value can be measured.
    public var depth: Int {
        var deepest = 0
        var pending: [(JSONValue, Int)] = [(self, 0)]
        while let (value, level) = pending.popLast() {
            switch value {
            case .array(let items):
                deepest = max(deepest, level + 1)
                for item in items { pending.append((item, level + 1)) }
            case .object(let members):
                deepest = max(deepest, level + 1)
                for member in members.values { pending.append((member, level + 1)) }
            case .null, .bool, .number, .string:
                break
            }
        }
        return deepest
    }

    /// Whether the value nests no deeper than ``maximumDepth``.
    var isWithinDepthLimit: Bool { depth <= Self.maximumDepth }
}

extension JSONValue {
    /// How deeply JSON `text` nests, found by one pass over its bytes (brackets
    /// outside strings), so text that nests too deep is refused before any
    /// decoder walks it level by level.
    static func nestingDepth(ofJSONText text: some Sequence<UInt8>) -> Int {
        var depth = 0
        var deepest = 0
        var inString = false
        var escaped = false
        for byte in text {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                deepest = max(deepest, depth)
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return deepest
    }
}
