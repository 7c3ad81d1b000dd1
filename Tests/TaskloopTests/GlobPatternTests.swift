@testable import Taskloop
import Testing

@Suite struct GlobPatternTests {
    func matches(_ pattern: String, _ path: String) throws -> Bool {
        try GlobPattern(pattern).matchesPath(path)
    }

    @Test func starMatchesWithinOneFolder() throws {
        #expect(try matches("src/*.c", "src/a.c"))
        #expect(try !matches("src/*.c", "src/sub/a.c"))
        #expect(try !matches("src/*.c", "src/a.h"))
        #expect(try matches("*", "README"))
    }

    @Test func doubleStarMatchesAnyDepthIncludingNone() throws {
        #expect(try matches("src/**/*.c", "src/a.c"))
        #expect(try matches("src/**/*.c", "src/x/y/z.c"))
        #expect(try !matches("src/**/*.c", "lib/a.c"))
        #expect(try matches("**", "deep/er/file"))
    }

    @Test func questionMarkAndClasses() throws {
        #expect(try matches("v?.txt", "v1.txt"))
        #expect(try !matches("v?.txt", "v10.txt"))
        #expect(try matches("[a-c]x", "bx"))
        #expect(try !matches("[a-c]x", "dx"))
        #expect(try matches("[!a]x", "bx"))
        #expect(try !matches("[!a]x", "ax"))
    }

    @Test func literalPatternsNameOneFile() throws {
        let pattern = try GlobPattern("build/app")
        #expect(pattern.isLiteral)
        #expect(pattern.matchesPath("build/app"))
        #expect(!pattern.matchesPath("build/app2"))
    }

    @Test func exclusionsStartWithABang() throws {
        let pattern = try GlobPattern("!src/gen/*.c")
        #expect(pattern.excludes)
        #expect(pattern.matchesPath("src/gen/x.c"))
    }

    @Test func badPatternsSayWhatToDo() {
        #expect(throws: GlobPattern.Problem.self) { try GlobPattern("") }
        #expect(throws: GlobPattern.Problem.self) { try GlobPattern("/etc/passwd") }
        #expect(throws: GlobPattern.Problem.self) { try GlobPattern("src/a**/b") }
        #expect(throws: GlobPattern.Problem.self) { try GlobPattern("src/[ab.c") }
    }
}
