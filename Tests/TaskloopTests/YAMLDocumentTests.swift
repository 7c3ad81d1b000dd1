import Testing
@testable import Taskloop

/// Reading YAML text into located values, and refusing text that is not one
/// well-formed YAML document of reasonable size.
@Suite struct YAMLDocumentTests {
    static func parse(_ text: String) throws(PipelineDiagnostics) -> ConfigNode {
        try YAMLDocument.parse(text, file: "t.yaml")
    }

    static func location(_ line: Int, _ column: Int) -> SourceLocation {
        SourceLocation(file: "t.yaml", line: line, column: column)
    }

    // MARK: - The tree

    @Test func scalarsKnowWhetherTheyWerePlain() throws {
        let root = try Self.parse("a: 1\nb: '1'\nc: \"1\"\nd: |\n  1\ne: >\n  1\n")
        guard case .mapping(let entries) = root.content else {
            Issue.record("expected a mapping, got \(root)")
            return
        }
        #expect(entries.map(\.name) == ["a", "b", "c", "d", "e"])
        #expect(entries.map(\.value.content) == [
            .scalar("1", isPlain: true), .scalar("1", isPlain: false), .scalar("1", isPlain: false),
            .scalar("1\n", isPlain: false), .scalar("1\n", isPlain: false),
        ])
    }

    @Test func everyValueKnowsItsLineAndColumn() throws {
        let root = try Self.parse("steps:\n  greet:\n    needs: [a, 'b']\n")
        guard case .mapping(let top) = root.content, case .mapping(let steps) = top[0].value.content,
              case .mapping(let greet) = steps[0].value.content, case .sequence(let needs) = greet[0].value.content else {
            Issue.record("unexpected shape: \(root)")
            return
        }
        #expect(root.location == Self.location(1, 1))
        #expect(steps[0].key.location == Self.location(2, 3))
        #expect(greet[0].value.location == Self.location(3, 12))
        #expect(needs.map(\.location) == [Self.location(3, 13), Self.location(3, 16)])
    }

    @Test func columnsCountUnicodeScalars() throws {
        let root = try Self.parse("é: { ü: 🎉 }\n")
        guard case .mapping(let top) = root.content, case .mapping(let inner) = top[0].value.content else {
            Issue.record("unexpected shape: \(root)")
            return
        }
        #expect(inner[0].key.location == Self.location(1, 6))
        #expect(inner[0].value.location == Self.location(1, 9))
    }

    @Test func aliasesExpandToTheirAnchorsValue() throws {
        let root = try Self.parse("base: &base { a: 1 }\ncopy: *base\n")
        guard case .mapping(let top) = root.content else {
            Issue.record("unexpected shape: \(root)")
            return
        }
        #expect(top[1].value.content == top[0].value.content)
        // The alias itself is where the copy is written; its parts stay at the anchor.
        #expect(top[1].value.location == Self.location(2, 7))
        guard case .mapping(let copied) = top[1].value.content else { return }
        #expect(copied[0].key.location == Self.location(1, 15))
    }

    @Test func starsInsideValuesAreKeptAsWritten() throws {
        let root = try Self.parse("a: ls *.txt\nb: '*x'\nc: \"*y: z\"\nd: [ \"*\" ]\ne: |\n  *not an alias\n# *comment\n")
        guard case .mapping(let top) = root.content else {
            Issue.record("unexpected shape: \(root)")
            return
        }
        #expect(top[0...2].map(\.value.scalarText) == ["ls *.txt", "*x", "*y: z"])
        #expect(top[3].value.content == .sequence([ConfigNode(.scalar("*", isPlain: false), at: Self.location(4, 6))]))
        #expect(top[4].value.scalarText == "*not an alias\n")
    }

    @Test func laterAnchorReplacesAnEarlierOneOfTheSameName() throws {
        let root = try Self.parse("a: &x 1\nb: &x 2\nc: *x\n")
        guard case .mapping(let top) = root.content else { return }
        #expect(top[2].value.scalarText == "2")
    }

    // MARK: - Problems with the text

    @Test func malformedYAMLUsesLibyamlsWords() throws {
        try expectLoadFailure(Fixture("malformed-yaml"), [
            ExpectedDiagnostic("malformed YAML: did not find expected ',' or ']' (while parsing a flow sequence at line 3, column 12)", at: 4, 1),
        ])
    }

    @Test func malformedYAMLNamesTheConstructItWasReading() {
        #expect(Self.problems("key: [unclosed\n") == [
            "t.yaml:2:1: error: malformed YAML: did not find expected ',' or ']' (while parsing a flow sequence at line 1, column 6)",
        ])
    }

    @Test func tabIndentation() throws {
        try expectLoadFailure(Fixture("tab-indented"), [
            ExpectedDiagnostic("malformed YAML: a tab indents this line; YAML indents with spaces only", at: 3, 1),
        ])
    }

    @Test func secondDocument() throws {
        try expectLoadFailure(Fixture("two-documents"), [
            ExpectedDiagnostic("a second YAML document starts here: a pipeline file holds one document; remove the `---` separator or move the rest into its own file", at: 4, 1),
        ])
    }

    @Test func duplicateKeyPointsAtTheSecondOccurrence() throws {
        try expectLoadFailure(Fixture("duplicate-key"), [
            ExpectedDiagnostic("duplicate key `shell` (first given on line 3): each key may appear once; remove or rename one", at: 5, 5),
        ])
    }

    @Test func duplicateKeyInAFlowMapping() throws {
        try expectLoadFailure(Fixture("duplicate-key-flow"), [
            ExpectedDiagnostic("duplicate key `shell` (first given on line 2): each key may appear once; remove or rename one", at: 2, 39),
        ])
    }

    @Test func keysThatReadAlikeAreDuplicates() {
        #expect(Self.problems("a: { 1: x, \"1\": y }\n") == ["t.yaml:1:12: error: duplicate key `1` (first given on line 1): each key may appear once; remove or rename one"])
        #expect(Self.problems("k: &k a\nm: { a: 1, *k : 2 }\n") == ["t.yaml:2:12: error: duplicate key `a` (first given on line 2): each key may appear once; remove or rename one"])
    }

    @Test func duplicateKeyInAListItemStopsAtTheNextItem() {
        let text = "- a: 1\n  b: 2\n  a: 3\n- a: 4\n"
        #expect(Self.problems(text) == ["t.yaml:3:3: error: duplicate key `a` (first given on line 1): each key may appear once; remove or rename one"])
    }

    @Test func emptyFile() throws {
        try expectLoadFailure(Fixture("empty"), [
            ExpectedDiagnostic("the file is empty: a pipeline needs at least a `steps:` mapping", at: 1, 1),
        ])
    }

    @Test func fileWithOnlyComments() throws {
        try expectLoadFailure(Fixture("only-comments"), [
            ExpectedDiagnostic("the file is empty: a pipeline needs at least a `steps:` mapping", at: 1, 1),
        ])
    }

    @Test func documentThatIsOnlyNull() {
        #expect(Self.problems("---\n~\n") == ["t.yaml:2:1: error: the file is empty: a pipeline needs at least a `steps:` mapping"])
    }

    @Test func keyThatIsAList() throws {
        try expectLoadFailure(Fixture("non-scalar-key"), [
            ExpectedDiagnostic("a key must be text, found a list", at: 2, 3),
        ])
    }

    @Test func aliasWithoutAnAnchor() throws {
        try expectLoadFailure(Fixture("undefined-alias"), [
            ExpectedDiagnostic("alias `*shared` names no anchor: define `&shared` on a value before this point", at: 4, 10),
        ])
    }

    @Test func aliasOfItsOwnAnchorIsUndefined() {
        #expect(Self.problems("a: &x [*x]\n") == ["t.yaml:1:8: error: alias `*x` names no anchor: define `&x` on a value before this point"])
    }

    @Test func starThatCannotStartAnAlias() {
        #expect(Self.problems("a: *.txt\n") == [
            "t.yaml:1:4: error: `*.txt` starts with `*`, which makes it an alias, but an alias is `*` and a name of letters, digits, `_` and `-`; quote the text if the `*` is meant literally",
        ])
    }

    @Test func controlCharacters() {
        #expect(Self.problems("a: 1\nb: \u{1}\n") == ["t.yaml:2:4: error: malformed YAML: control characters are not allowed (found U+0001)"])
    }

    @Test func nestingDeeperThanLibyamlAllows() {
        let problems = Self.problems(String(repeating: "[", count: 1_500))
        #expect(problems == ["t.yaml:1:1: error: malformed YAML: values nest more than 1000 levels deep"])
    }

    @Test func nestingJustWithinTheLimitParses() throws {
        var text = ""
        for level in 0..<990 {
            text += String(repeating: " ", count: level) + "k\(level):\n"
        }
        let root = try Self.parse(text)
        #expect(root.location == Self.location(1, 1))
    }

    @Test func carriageReturnLineEndingsRenderTheirLines() throws {
        let text = "steps:\r\n  greet:\r\n    shel: echo hi\r\n"
        let error = try #require(throws: PipelineLoadError.self) {
            try PipelineLoader().load(contents: text, file: "crlf.yaml")
        }
        // The misspelt kind is the one problem: no "has no kind" beside it.
        #expect(error.rendered == """
            crlf.yaml:3:5: error: unknown key `shel` in step `greet`; did you mean `shell`?
                shel: echo hi
                ^

            1 error in crlf.yaml
            """)
    }

    // MARK: - Helpers

    static func problems(_ text: String, limit: Int = YAMLDocument.expandedValueLimit) -> [String] {
        do {
            _ = try YAMLDocument.parse(text, file: "t.yaml", expandedValueLimit: limit)
            return []
        } catch {
            return error.diagnostics.map(\.summary)
        }
    }
}
