import Testing
@testable import Taskloop

@Suite struct LineAssemblerTests {
    @Test func linesAreCutAtNewlinesAcrossChunks() {
        var lines = LineAssembler()
        #expect(lines.append(Array("one\ntw".utf8)) == [.line("one")])
        #expect(lines.append(Array("o\r\nthree".utf8)) == [.line("two")])
        #expect(lines.append(Array("\n\n".utf8)) == [.line("three"), .line("")])
        #expect(lines.finish() == nil)
        #expect(lines.append(Array("tail".utf8)) == [])
        #expect(lines.finish() == "tail")
    }

    @Test func endlessLinesComeInPiecesThatDoNotEndTheLine() {
        var lines = LineAssembler(maximumLineLength: 4)
        #expect(lines.append(Array("abcdefghij".utf8)) == [.part("abcd"), .part("efgh")])
        #expect(lines.append(Array("k\nlmnopq\n".utf8)) == [.line("ijk"), .part("lmno"), .line("pq")])
        // Joined, the pieces are the stream as written: no line end is made up.
        #expect([LineAssembler.Piece.part("lmno"), .line("pq")].map(\.streamText).joined() == "lmnopq\n")
    }

    @Test func aPieceNeverSplitsACharacter() {
        var lines = LineAssembler(maximumLineLength: 5)
        // "ab" then "é" (2 bytes) "€" (3 bytes): the 5-byte cut falls inside "€".
        let pieces = lines.append(Array("abé€x\n".utf8))
        #expect(pieces == [.part("abé"), .line("€x")])
    }
}
