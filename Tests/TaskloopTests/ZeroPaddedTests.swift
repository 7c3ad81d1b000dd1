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
