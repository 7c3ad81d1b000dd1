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
        var rest = bytes[...]
        while !rest.isEmpty {
            if let newline = rest.firstIndex(of: UInt8(ascii: "\n")) {
                let piece = rest[..<newline]
                if partial.isEmpty, piece.count <= maximumLineLength {
                    lines.append(Self.decode(piece))
                } else {
                    take(piece, into: &lines)
                    lines.append(Self.decode(partial))
                    partial.removeAll(keepingCapacity: true)
                }
                rest = rest[rest.index(after: newline)...]
            } else {
                take(rest, into: &lines)
                break
            }
        }
        return lines
    }

    /// Adds bytes of an unfinished line, emitting full-length pieces.
    private mutating func take(_ bytes: some Collection<UInt8>, into lines: inout [String]) {
        var rest = bytes[...]
        while !rest.isEmpty {
            let room = maximumLineLength - partial.count
            let piece = rest.prefix(room)
            partial.append(contentsOf: piece)
            rest = rest.dropFirst(piece.count)
            if partial.count >= maximumLineLength {
                lines.append(Self.decode(partial))
                partial.removeAll(keepingCapacity: true)
            }
        }
    }

    /// The unterminated rest, if any, as a last line.
    package mutating func finish() -> String? {
        defer { partial.removeAll() }
        return partial.isEmpty ? nil : Self.decode(partial)
    }

    private static func decode(_ bytes: some Collection<UInt8>) -> String {
        var line = Array(bytes)[...]
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        return String(decoding: line, as: UTF8.self)
    }
}
