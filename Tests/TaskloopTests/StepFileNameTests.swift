import Crypto
import Testing

@testable import Taskloop

@Suite struct StepFileNameTests {
    /// The first 12 hex digits of the id's SHA-256, spelled out here.
    func digest(_ id: String) -> String {
        SHA256.hash(data: Array(id.utf8)).prefix(6).map { String(zeroPadded: $0, digits: 2, radix: 16) }.joined()
    }

    @Test func plainIdsKeepTheirNameBeforeTheDigest() {
        #expect(StepFileName.make(for: "build") == "build-" + digest("build"))
        #expect(StepFileName.make(for: "Test_2.x-y=z") == "Test_2.x-y=z-" + digest("Test_2.x-y=z"))
    }

    @Test func everyOtherCharacterIsAnUnderscoreOneForEachScalar() {
        let id = "build[os=linux/amd64]"
        #expect(StepFileName.make(for: StepID(id)) == "build_os=linux_amd64_-" + digest(id))
        // é is one scalar and one character; the flag is two scalars, one character.
        let accented = "café 🇫🇷 ok"
        #expect(StepFileName.make(for: StepID(accented)) == "caf_____ok-" + digest(accented))
        let decomposed = "cafe\u{301}"
        #expect(StepFileName.make(for: StepID(decomposed)) == "cafe_-" + digest(decomposed))
    }

    @Test func leadingDotsGoAndTheReadablePartStopsAtSixtyFourScalars() {
        #expect(StepFileName.make(for: "..hidden.step") == "hidden.step-" + digest("..hidden.step"))
        #expect(StepFileName.make(for: "...") == "-" + digest("..."))
        let long = String(repeating: "a", count: 63) + "é" + String(repeating: "b", count: 100)
        #expect(StepFileName.make(for: StepID(long)) == String(repeating: "a", count: 63) + "_-" + digest(long))
        // Dots counted among the 64 before they are dropped.
        let dotted = String(repeating: ".", count: 10) + String(repeating: "c", count: 100)
        #expect(StepFileName.make(for: StepID(dotted)) == String(repeating: "c", count: 54) + "-" + digest(dotted))
    }

    @Test func idsThatReadAlikeGetDifferentNames() {
        #expect(StepFileName.make(for: "a/b") != StepFileName.make(for: "a_b"))
        #expect(StepFileName.make(for: "a/b").hasPrefix("a_b-"))
    }
}
