import Testing
@testable import Taskloop

@Suite struct LineAssemblerTests {
    @Test func linesAreCutAtNewlinesAcrossChunks() {
        var lines = LineAssembler()
        #expect(lines.append(Array("one\ntw".utf8)) == ["one"])
        #expect(lines.append(Array("o\r\nthree".utf8)) == ["two"])
        #expect(lines.append(Array("\n\n".utf8)) == ["three", ""])
        #expect(lines.finish() == nil)
        #expect(lines.append(Array("tail".utf8)) == [])
        #expect(lines.finish() == "tail")
    }

    @Test func endlessLinesComeInPiecesOfTheMaximumLength() {
        var lines = LineAssembler(maximumLineLength: 4)
        #expect(lines.append(Array("abcdefghij".utf8)) == ["abcd", "efgh"])
        #expect(lines.append(Array("k\nlmnopq\n".utf8)) == ["ijk", "lmno", "pq"])
    }
}
