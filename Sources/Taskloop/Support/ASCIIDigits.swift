/// The digits of a number as ASCII bytes, written into a buffer on the
/// stack: the one digit loop behind `String(zeroPadded:digits:)` and the
/// event log's integers, which spell a clock, a fingerprint byte or a
/// field of every event, so no `String` is made per number.
enum ASCIIDigits {
    /// Calls `body` with the digits of `value` in `radix` (2 to 36), with
    /// leading zeros up to `digits` digits (at most 64); a longer number is
    /// written whole.
    static func with<Result>(
        _ value: UInt64, digits: Int = 1, radix: Int = 10, uppercase: Bool = false,
        _ body: (UnsafeBufferPointer<UInt8>) -> Result
    ) -> Result {
        precondition((2...36).contains(radix) && digits <= 64, "radix 2 to 36, at most 64 digits")
        let base = UInt64(radix)
        let letterA = uppercase ? UInt8(ascii: "A") : UInt8(ascii: "a")
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { buffer in
            var remaining = value
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
            return body(UnsafeBufferPointer(rebasing: buffer[start..<64]))
        }
    }
}
