extension Duration {
    /// Parses the durations a pipeline file may write: a number and a unit
    /// (`ms`, `s`, `m`, `h`; fractions allowed, `1.5s`), a bare number of
    /// seconds (`2`, `0.25`), or units joined together (`1m30s`).
    /// Negative, empty and non-finite values are rejected.
    public init?(parsing text: String) {
        var text = text
        if !text.utf8.allSatisfy({ $0 < 0x80 }) {
            // Only ASCII can be a digit, a dot or a unit, but for `µs`: text
            // beyond it is trimmed of any Unicode space and spells `us`, and
            // is refused if anything else is left.
            text = text.trimmingWhitespace().replacing("µs", with: "us")
            guard text.utf8.allSatisfy({ $0 < 0x80 }) else { return nil }
        }
        guard let nanoseconds = Self.nanoseconds(inASCII: Substring(text).utf8) else { return nil }
        self = .nanoseconds(nanoseconds)
    }

    /// How many nanoseconds one of a duration's units is; nil for text that is no unit.
    private static func nanoseconds(per unit: Substring) -> Double? {
        switch unit {
        case "ns": 1
        case "us": 1e3
        case "ms": 1e6
        case "s": 1e9
        case "m": 60e9
        case "h": 3600e9
        default: nil
        }
    }

    /// ``init(parsing:)`` of text that is all ASCII, read byte by byte.
    private static func nanoseconds(inASCII text: Substring.UTF8View) -> Int64? {
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }
        func isNumeric(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: ".") }
        func isLetter(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) }
        func number(_ bytes: Substring.UTF8View) -> Double? { Double(Substring(bytes)) }

        guard let first = text.firstIndex(where: { !isSpace($0) }), let last = text.lastIndex(where: { !isSpace($0) }) else { return nil }
        var rest = text[first...last]
        if rest.allSatisfy(isNumeric) {
            guard let seconds = number(rest), seconds.isFinite else { return nil }
            return Int64((seconds * 1e9).rounded())
        }
        var nanoseconds: Double = 0
        while !rest.isEmpty {
            let digits = rest.prefix(while: isNumeric)
            guard !digits.isEmpty, let value = number(digits) else { return nil }
            rest = rest[digits.endIndex...]
            let unit = rest.prefix(while: isLetter)
            guard !unit.isEmpty else { return nil }
            rest = rest[unit.endIndex...]
            guard let scale = Self.nanoseconds(per: Substring(unit)) else { return nil }
            nanoseconds += value * scale
        }
        guard nanoseconds.isFinite, nanoseconds < Double(Int64.max) else { return nil }
        return Int64(nanoseconds.rounded())
    }

    /// Whole microseconds, the event log's unit.
    public var microseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }

    /// Seconds as a floating-point number, for arithmetic on figures.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// Compact human form: `850µs`, `12ms`, `1.25s`, `2m05s`.
    public var compactDescription: String {
        let micros = microseconds
        if micros < 1_000 { return "\(micros)µs" }
        if micros < 1_000_000 { return "\(micros / 1_000)ms" }
        let totalSeconds = seconds
        if totalSeconds < 60 { return String(format2: totalSeconds) + "s" }
        let minutes = Int(totalSeconds) / 60
        let remainder = Int(totalSeconds) % 60
        return "\(minutes)m" + (remainder < 10 ? "0" : "") + "\(remainder)s"
    }
}

extension String {
    func trimmingWhitespace() -> String {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[first...last])
    }

    /// A number with two decimals, without Foundation's locale-dependent formatting.
    init(format2 value: Double) {
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        self = "\(hundredths / 100)." + (fraction < 10 ? "0" : "") + "\(fraction)"
    }
}
