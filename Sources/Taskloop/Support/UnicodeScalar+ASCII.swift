extension Unicode.Scalar {
    /// `[A-Za-z]`. A range test: `properties.isAlphabetic` looks the scalar
    /// up in Unicode's tables, a cost in a loop over every name of a
    /// pipeline of 100,000 steps.
    var isASCIILetter: Bool {
        switch value {
        case 0x41...0x5A, 0x61...0x7A: return true
        default: return false
        }
    }

    /// `[A-Za-z0-9]`.
    var isASCIILetterOrDigit: Bool { isASCIILetter || (0x30...0x39).contains(value) }
}
