extension String {
    /// `value` written in `radix`, with leading zeros up to `digits` digits:
    /// `String(zeroPadded: 7, digits: 2)` is `07`, `String(zeroPadded: 255, digits: 4, radix: 16)` is `00ff`.
    /// Longer numbers are written whole. `value` is not negative.
    ///
    /// Written digit by digit into one buffer: it spells every clock on the
    /// console and every byte of every step's fingerprint, so it is hot.
    init(zeroPadded value: some BinaryInteger, digits: Int, radix: Int = 10, uppercase: Bool = false) {
        guard var remaining = UInt64(exactly: value), (2...36).contains(radix), digits <= 64 else {
            self.init(value, radix: radix, uppercase: uppercase)
            if count < digits { insert(contentsOf: repeatElement("0", count: digits - count), at: startIndex) }
            return
        }
        let base = UInt64(radix)
        let letterA = uppercase ? UInt8(ascii: "A") : UInt8(ascii: "a")
        self = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { buffer in
            var start = 64
            repeat {
                let digit = UInt8(remaining % base)
                remaining /= base
                start -= 1
                buffer[start] = digit < 10 ? UInt8(ascii: "0") + digit : letterA + digit - 10
            } while remaining > 0
            while 64 - start < digits {
                start -= 1
                buffer[start] = UInt8(ascii: "0")
            }
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<64]), as: UTF8.self)
        }
    }
}
