/// Cuts a byte stream into lines as it arrives. A line longer than
/// `maximumLineLength` is emitted in pieces, so one endless line (a binary
/// blob on stdout) never grows without bound.
package struct LineAssembler: Sendable {
    private var partial: [UInt8] = []
    private let maximumLineLength: Int

    package init(maximumLineLength: Int = 64 * 1024) {
        self.maximumLineLength = maximumLineLength
    }

    /// Appends bytes; returns the lines completed, without their `\n` (and `\r`).
    package mutating func append(_ bytes: some Collection<UInt8>) -> [String] {
        var lines: [String] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                lines.append(Self.decode(partial))
                partial.removeAll(keepingCapacity: true)
            } else {
                partial.append(byte)
                if partial.count >= maximumLineLength {
                    lines.append(Self.decode(partial))
                    partial.removeAll(keepingCapacity: true)
                }
            }
        }
        return lines
    }

    /// The unterminated rest, if any, as a last line.
    package mutating func finish() -> String? {
        defer { partial.removeAll() }
        return partial.isEmpty ? nil : Self.decode(partial)
    }

    private static func decode(_ bytes: [UInt8]) -> String {
        var line = bytes[...]
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        return String(decoding: line, as: UTF8.self)
    }
}
