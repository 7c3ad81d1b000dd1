extension String {
    /// `value` written in `radix`, with leading zeros up to `digits` digits:
    /// `String(zeroPadded: 7, digits: 2)` is `07`, `String(zeroPadded: 255, digits: 4, radix: 16)` is `00ff`.
    /// Longer numbers are written whole. `value` is not negative.
    init(zeroPadded value: some BinaryInteger, digits: Int, radix: Int = 10, uppercase: Bool = false) {
        self.init(value, radix: radix, uppercase: uppercase)
        if count < digits { insert(contentsOf: repeatElement("0", count: digits - count), at: startIndex) }
    }
}
