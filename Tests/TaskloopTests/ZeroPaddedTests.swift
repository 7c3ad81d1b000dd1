import Testing

@testable import Taskloop

@Suite struct ZeroPaddedTests {
    @Test func padsToTheDigitsAndKeepsLongerNumbersWhole() {
        #expect(String(zeroPadded: 7, digits: 2) == "07")
        #expect(String(zeroPadded: 0, digits: 3) == "000")
        #expect(String(zeroPadded: 255, digits: 4, radix: 16) == "00ff")
        #expect(String(zeroPadded: 0xE000, digits: 4, radix: 16, uppercase: true) == "E000")
        #expect(String(zeroPadded: 12_345, digits: 2) == "12345")
    }
}

extension ZeroPaddedTests {
    @Test func everyWidthOfIntegerAndTheLimits() {
        #expect(String(zeroPadded: UInt8.max, digits: 2, radix: 16) == "ff")
        #expect(String(zeroPadded: UInt8(10), digits: 2, radix: 16) == "0a")
        #expect(String(zeroPadded: Int64.max, digits: 3) == "9223372036854775807")
        #expect(String(zeroPadded: UInt64.max, digits: 3, radix: 16) == "ffffffffffffffff")
        #expect(String(zeroPadded: 35, digits: 1, radix: 36) == "z")
        #expect(String(zeroPadded: 5, digits: 70) == String(repeating: "0", count: 69) + "5")
    }
}
