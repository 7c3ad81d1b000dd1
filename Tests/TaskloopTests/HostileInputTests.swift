import Foundation
import Testing
@testable import Taskloop

/// Input written to hurt: alias bombs, garbage, every one-character file,
/// and a few hundred seeded mutations of the fixtures. Each must end, quickly,
/// in a pipeline or in diagnostics that all point into the file.
@Suite struct HostileInputTests {
    @Test(.timeLimit(.minutes(1)))
    func aliasBombIsRefusedQuickly() throws {
        try expectLoadFailure(Fixture("alias-bomb"), [
            ExpectedDiagnostic("the document expands to more than 1,000,000 values through its aliases (aliases that repeat aliases?); refusing to load it", at: 7, 8),
        ])
    }

    @Test(.timeLimit(.minutes(1)))
    func aliasBombUsedAsAKeyIsRefusedQuickly() throws {
        try expectLoadFailure(Fixture("alias-bomb-as-key"), [
            ExpectedDiagnostic("the document expands to more than 1,000,000 values through its aliases (aliases that repeat aliases?); refusing to load it", at: 8, 8),
        ])
    }

    @Test func expansionJustUnderTheLimitIsAllowed() throws {
        // 1 mapping + 2 entries of key and value, the second an alias of 1 value.
        #expect(throws: Never.self) { try YAMLDocument.parse("a: &a x\nb: *a\n", file: "t.yaml", expandedValueLimit: 5) }
        #expect(throws: PipelineDiagnostics.self) { try YAMLDocument.parse("a: &a x\nb: *a\n", file: "t.yaml", expandedValueLimit: 4) }
    }

    @Test func aLargeFileWithoutAliasesIsNotBlamedOnAliases() {
        #expect(YAMLDocumentTests.problems("a: [1, 2, 3, 4, 5]\n", limit: 5) == [
            "t.yaml:1:11: error: the document holds more than 5 values, the most one file may hold: split it into files that `include:` brings together",
        ])
    }

    @Test func aPlainValueWithColonSpaceGetsTheQuotingHint() {
        #expect(YAMLDocumentTests.problems("steps:\n  a:\n    shell: echo a: b\n") == [
            "t.yaml:3:18: error: malformed YAML: mapping values are not allowed in this context; a value with `: ` (colon and space) in it must be quoted, or written as a block (`shell: |`)",
        ])
    }

    @Test func aNamedPipeIsNotARegularFile() throws {
        let path = NSTemporaryDirectory() + "taskloop-fifo-\(getpid()).yaml"
        #expect(mkfifo(path, 0o600) == 0)
        defer { unlink(path) }
        let error = try #require(throws: PipelineLoadError.self) { try PipelineLoader().load(file: path) }
        #expect(error.diagnostics.map(\.problem.message) == [
            "cannot read `\(path)`: it is a named pipe (FIFO), not a regular file; name a pipeline file",
        ])
        let device = try #require(throws: PipelineLoadError.self) { try PipelineLoader().load(file: "/dev/null") }
        #expect(device.diagnostics.map(\.problem.message) == [
            "cannot read `/dev/null`: it is a character device, not a regular file; name a pipeline file",
        ])
    }

    /// Depth that once overflowed the stack: each is now a located error.
    @Test(arguments: [
        String(repeating: "(", count: 7_000) + "1" + String(repeating: ")", count: 7_000),
        String(repeating: "env[", count: 10_000) + "'x'" + String(repeating: "]", count: 10_000),
        String(repeating: "toJSON(", count: 10_000) + "1" + String(repeating: ")", count: 10_000),
    ])
    func deeplyNestedExpressionsAreLocatedErrors(expression: String) throws {
        let error = try #require(throws: PipelineLoadError.self) {
            try PipelineLoader().load(contents: "steps:\n  a:\n    if: ${{ \(expression) }}\n    shell: echo\n", file: "deep.yaml")
        }
        #expect(error.diagnostics.count == 1)
        #expect(error.diagnostics.first?.location?.line == 3)
        #expect(error.diagnostics.first?.problem.message.contains("nests more than 256 levels deep") == true)
    }

    @Test func textHoldingEveryPrivateUseCharacterIsRefused() {
        var text = "a: *b\n# "
        for range: ClosedRange<UInt32> in [0xE000...0xF8FF, 0xF0000...0xFFFFD, 0x100000...0x10FFFD] {
            text.unicodeScalars.append(contentsOf: range.compactMap(Unicode.Scalar.init))
        }
        #expect(YAMLDocumentTests.problems(text) == [
            "t.yaml:1:1: error: the file uses every Unicode private-use character; Taskloop needs one of them free to read aliases safely",
        ])
    }

    @Test(arguments: ["a", "-", ":", "[", "{", "]", "}", "*", "&", "!", "|", ">", "#", "?", "'", "\"", "%", "@", "`", ",", "\t", "\n", " ", "\u{0}", "\u{FEFF}", "~", "1"])
    func oneCharacterFilesAreDiagnosedWithAPlace(text: String) throws {
        let error = try #require(throws: PipelineLoadError.self) {
            try PipelineLoader().load(contents: text, file: "one.yaml")
        }
        #expect(!error.diagnostics.isEmpty)
        #expect(error.diagnostics.allSatisfy { ($0.location?.line ?? 0) >= 1 && ($0.location?.column ?? 0) >= 1 })
    }

    /// A minified or generated line is shown as the part around the column,
    /// with the caret under the same character as in the whole line.
    @Test(arguments: [1, 7, 25_000, 49_990, 50_000, 50_001])
    func aVeryLongLineIsShownAroundItsColumn(column: Int) {
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        let line = String((0..<50_000).map { (index: Int) -> Character in index % 1_000 == 0 ? "\t" : letters[index % 26] })
        let diagnostic = Diagnostic(.badStepID("x"), at: SourceLocation(file: "t.yaml", line: 2, column: column))
        let lines = diagnostic.rendered(in: "steps:\n" + line + "\nnext: 1\n").split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 3)
        guard lines.count == 3 else { return }
        let (excerpt, caret) = (Array(lines[1].unicodeScalars), Array(lines[2].unicodeScalars))
        #expect(excerpt.count <= Diagnostic.excerptWidth + 6)
        #expect(lines[1].hasPrefix("...") == (column > Diagnostic.excerptWidth / 2 + 1))
        #expect(lines[1].hasSuffix("...") == (column - 1 < 50_000 - Diagnostic.excerptWidth / 2))
        #expect(caret.last == "^")
        let caretOffset = caret.count - 1
        let whole = Array(line.unicodeScalars)
        if column <= whole.count {
            #expect(excerpt[caretOffset] == whole[column - 1])
        } else {
            #expect(caretOffset == excerpt.count - (lines[1].hasSuffix("...") ? 3 : 0))
        }
        // Tabs of the shown part are kept in the padding, so the caret lines up in a terminal.
        #expect(zip(caret.dropLast(), excerpt).allSatisfy { padding, shown in padding == (shown == "\t" ? "\t" : " ") })
    }

    @Test func aLongQuotedValueIsShownByItsStartAndEnd() throws {
        let digits = String(repeating: "9", count: 50_000) + "x"
        let file = "name: t\nsteps:\n  a: { shell: true, timeout: \(digits) }\n"
        let error = try #require(throws: PipelineLoadError.self) { try PipelineLoader().load(contents: file, file: "t.yaml") }
        let message = try #require(error.diagnostics.first?.problem.message)
        #expect(message == "`timeout` of step `a`: `" + String(repeating: "9", count: 56) + "..." + String(repeating: "9", count: 20)
            + "x` is not a duration: write a number and a unit, such as 250ms, 1.5s, 2m or 1h (a bare number means seconds)")
        // A value that fits is quoted whole, and an unpaired backtick is left alone.
        #expect(PipelineProblem.badDuration(String(repeating: "5", count: 80), field: "`t` of step `a`").message.contains(String(repeating: "5", count: 80)))
        let unpaired = "`" + String(repeating: "a", count: 100)
        #expect(PipelineProblem.shorteningQuotedValues(in: unpaired) == unpaired)
    }

    /// A C string ends at NUL: a path, a command or a variable holding one
    /// would be cut there without a word, so the file is refused instead.
    @Test func aNULCharacterIsRefusedWhereItIsWritten() {
        let nul = "error: the value holds a NUL character (`\\0`), which no file name, command, environment variable or URL can carry "
            + "(it would be cut there); remove it, and write binary data from a shell step"
        #expect(YAMLDocumentTests.problems("a: \"x\\0y\"\nb: [ok, \"\\u0000\"]\n\"k\\0\": 1\n") == [
            "t.yaml:1:4: \(nul)", "t.yaml:2:9: \(nul)", "t.yaml:3:1: \(nul)",
        ])
        // Written plainly or single-quoted, `\0` is two characters of text.
        #expect(YAMLDocumentTests.problems("a: x\\0y\nb: 'x\\0y'\n").isEmpty)
    }

    /// Windows Notepad starts a UTF-8 file with a byte-order mark.
    @Test func aByteOrderMarkIsNotPartOfTheFirstKey() throws {
        let pipeline = try PipelineLoader().load(contents: "\u{FEFF}name: marked\nsteps:\n  a: { sleep: 0s }\n", file: "t.yaml")
        #expect(pipeline.name == "marked")
        let error = try #require(throws: PipelineLoadError.self) {
            try PipelineLoader().load(contents: "\u{FEFF}nme: x\nsteps:\n  a: { sleep: 0s }\n", file: "t.yaml")
        }
        #expect(error.diagnostics.map(\.summary) == ["t.yaml:1:1: error: unknown key `nme` in the pipeline; did you mean `name`?"])
        #expect(error.diagnostics[0].rendered(in: "\u{FEFF}nme: x\n").hasSuffix("\nnme: x\n^"))
    }

    @Test func anEnvironmentNameHoldsNoEqualsSignAndIsNotEmpty() throws {
        let error = try #require(throws: PipelineLoadError.self) {
            try PipelineLoader().load(contents: """
                env: { "=x": 1 }
                steps:
                  a: { sleep: 0s, env: { "A=B": 1, "": 2, GOOD: 3 } }
                """, file: "t.yaml")
        }
        #expect(error.diagnostics.map(\.summary) == [
            "t.yaml:1:8: error: `env`: `=x` cannot name an environment variable: a name holds no `=` (it would end the name there)",
            "t.yaml:3:26: error: `env` of step `a`: `A=B` cannot name an environment variable: a name holds no `=` (it would end the name there)",
            "t.yaml:3:36: error: `env` of step `a`: an environment variable needs a name, and this one is empty",
        ])
    }

    @Test func mutatedAndRandomInputsAlwaysGiveLocatedDiagnostics() throws {
        var random = SplitMix64(seed: 0x7A5C_100F)
        let bases = try Fixture.all().map { try $0.text }
        var failures = 0
        for round in 0..<200 {
            let input = round % 8 == 7
                ? Self.randomBytes(using: &random)
                : Self.mutate(bases[Int(random.next() % UInt64(bases.count))], using: &random)
            do {
                _ = try PipelineLoader(registry: .withGreeting).load(contents: input, file: "fuzz.yaml")
            } catch {
                failures += 1
                #expect(!error.diagnostics.isEmpty, "no diagnostics for \(input.debugDescription)")
                for diagnostic in error.diagnostics {
                    let location = try #require(diagnostic.location, "no location: \(diagnostic.summary) for \(input.debugDescription)")
                    #expect(location.line >= 1 && location.column >= 1 && location.file == "fuzz.yaml")
                }
                let errors = error.diagnostics.filter { $0.severity == .error }.count
                #expect(error.rendered.hasSuffix((errors == 1 ? "1 error" : "\(errors) errors") + " in fuzz.yaml"))
            }
        }
        // Most mutations break something; a run where nothing failed tested nothing.
        #expect(failures > 100)
    }

    // MARK: - Generating input

    static let fragments = [
        ":", ": ", "-", "- ", "[", "]", "{", "}", ",", "&a ", "*a", "*", "!", "!!int ", "|", ">", "'", "\"", "#", "?", "? ",
        "%YAML 1.2\n", "---\n", "...\n", "\t", "\n", "  ", "\u{0}", "\u{1}", "\u{7F}", "\u{85}", "\u{2028}", "\u{FEFF}",
        "\u{E000}", "é", "🎉", "\r\n", "\r", "\\", "needs: ", "steps:", "shell: x", "uses: greeting", "with: {to: x}",
        "timeout: 1s", "a: &x [*x]", "<<: *a", "~", "null", "9999999999999999999999",
    ]

    /// A few insertions, deletions and swaps of lines applied to `text`.
    static func mutate(_ text: String, using random: inout SplitMix64) -> String {
        var scalars = Array(text.unicodeScalars)
        for _ in 0..<(1 + Int(random.next() % 6)) {
            let position = scalars.isEmpty ? 0 : Int(random.next() % UInt64(scalars.count + 1))
            switch random.next() % 4 {
            case 0:
                let fragment = fragments[Int(random.next() % UInt64(fragments.count))]
                scalars.insert(contentsOf: fragment.unicodeScalars, at: position)
            case 1:
                let end = min(scalars.count, position + Int(random.next() % 12))
                scalars.removeSubrange(position..<end)
            case 2 where position < scalars.count:
                scalars[position] = Unicode.Scalar(UInt8(random.next() % 128))
            default:
                var lines = String(String.UnicodeScalarView(scalars)).split(separator: "\n", omittingEmptySubsequences: false)
                if lines.count > 1 {
                    lines.swapAt(Int(random.next() % UInt64(lines.count)), Int(random.next() % UInt64(lines.count)))
                }
                scalars = Array(lines.joined(separator: "\n").unicodeScalars)
            }
        }
        return String(String.UnicodeScalarView(scalars))
    }

    /// Up to 300 random bytes, decoded as UTF-8 with invalid sequences replaced.
    static func randomBytes(using random: inout SplitMix64) -> String {
        let bytes = (0..<Int(random.next() % 300)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A small seeded generator, so the inputs of a failing run can be reproduced.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
