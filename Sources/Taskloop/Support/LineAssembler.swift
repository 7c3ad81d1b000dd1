/// Cuts a byte stream into lines as it arrives. A line longer than
/// `maximumLineLength` is passed on in pieces, so one endless line (a binary
/// blob on stdout) never grows without bound; a piece is not a line (it does
/// not end one), so consumers join it to what follows, and text that
/// straddles the cut (a secret to mask, a multi-byte character) stays whole.
package struct LineAssembler: Sendable {
    /// Part of a line, or the end of one.
    package struct Piece: Sendable, Hashable {
        package var text: String
        /// Whether the line ends here (its `\n`, and `\r`, are not in `text`).
        package var endsLine: Bool

        package static func line(_ text: String) -> Piece { Piece(text: text, endsLine: true) }
        package static func part(_ text: String) -> Piece { Piece(text: text, endsLine: false) }

        /// The text as it goes on: a line with its `\n`.
        package var streamText: String { endsLine ? text + "\n" : text }
    }

    private var partial: [UInt8] = []
    private let maximumLineLength: Int

    package init(maximumLineLength: Int = 64 * 1024) {
        self.maximumLineLength = max(4, maximumLineLength)
    }

    /// Appends bytes; returns the lines completed, and pieces of a line that
    /// grew past the maximum length.
    package mutating func append(_ bytes: some Collection<UInt8>) -> [Piece] {
        var pieces: [Piece] = []
        var rest = bytes[...]
        while !rest.isEmpty {
            if let newline = rest.firstIndex(of: UInt8(ascii: "\n")) {
                let piece = rest[..<newline]
                if partial.isEmpty, piece.count <= maximumLineLength {
                    pieces.append(.line(Self.decodeLine(piece)))
                } else {
                    take(piece, into: &pieces)
                    pieces.append(.line(Self.decodeLine(partial)))
                    partial.removeAll(keepingCapacity: true)
                }
                rest = rest[rest.index(after: newline)...]
            } else {
                take(rest, into: &pieces)
                break
            }
        }
        return pieces
    }

    /// Adds bytes of an unfinished line, passing on full-length pieces, each
    /// cut at a character boundary.
    private mutating func take(_ bytes: some Collection<UInt8>, into pieces: inout [Piece]) {
        var rest = bytes[...]
        while !rest.isEmpty {
            let room = maximumLineLength - partial.count
            let piece = rest.prefix(room)
            partial.append(contentsOf: piece)
            rest = rest.dropFirst(piece.count)
            if partial.count >= maximumLineLength {
                let cut = Self.characterBoundary(before: partial.count, in: partial)
                pieces.append(.part(String(decoding: partial[..<cut], as: UTF8.self)))
                partial.removeFirst(cut)
            }
        }
    }

    /// The unterminated rest, if any, as a last line.
    package mutating func finish() -> String? {
        defer { partial.removeAll() }
        return partial.isEmpty ? nil : Self.decodeLine(partial)
    }

    /// The largest index at most `end` that does not split a UTF-8 sequence
    /// (it backs off at most three continuation bytes; malformed text is cut at `end`).
    private static func characterBoundary(before end: Int, in bytes: [UInt8]) -> Int {
        var start = end - 1
        while start > 0, start > end - 4, bytes[start] & 0xC0 == 0x80 { start -= 1 }
        let lead = bytes[start]
        let length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0
        return length > 0 && start + length > end && start > 0 ? start : end
    }

    private static func decodeLine(_ bytes: some Collection<UInt8>) -> String {
        var line = Array(bytes)[...]
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        return String(decoding: line, as: UTF8.self)
    }
}
