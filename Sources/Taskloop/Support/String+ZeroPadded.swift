extension String {
    /// `value` written in `radix`, with leading zeros up to `digits` digits:
    /// `String(zeroPadded: 7, digits: 2)` is `07`, `String(zeroPadded: 255, digits: 4, radix: 16)` is `00ff`.
    /// Longer numbers are written whole. `value` is not negative.
    ///
    /// Written digit by digit into one buffer (``ASCIIDigits``): it spells
    /// every clock on the console and every byte of every step's
    /// fingerprint, so it is hot.
    init(zeroPadded value: some BinaryInteger, digits: Int, radix: Int = 10, uppercase: Bool = false) {
        guard let number = UInt64(exactly: value), (2...36).contains(radix), digits <= 64 else {
            self.init(value, radix: radix, uppercase: uppercase)
            if count < digits { insert(contentsOf: repeatElement("0", count: digits - count), at: startIndex) }
            return
        }
        self = ASCIIDigits.with(number, digits: digits, radix: radix, uppercase: uppercase) { String(decoding: $0, as: UTF8.self) }
    }
}
