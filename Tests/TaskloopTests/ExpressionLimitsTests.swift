import Foundation
import Testing
@testable import Taskloop

/// Expressions and values of any size or depth end in a result or a located
/// error, never in a stack overflow: nesting is limited to
/// `ExpressionParser.maximumDepth`, and `||`/`&&` chains of any length work.
@Suite struct ExpressionLimitsTests {
    let context = ExpressionContext(
        environment: ["HOME": "/home/ci"], parameters: [:], steps: [:], needStatuses: [.success])

    func evaluate(_ text: String) throws -> JSONValue {
        try ExpressionEvaluator(context: context).evaluate(ExpressionParser.parse(text))
    }

    @Test func thirtyThousandTermsOfOrAndAndEvaluate() throws {
        #expect(try evaluate(Array(repeating: "0", count: 30_000).joined(separator: " || ") + " || 'last'") == .string("last"))
        #expect(try evaluate(Array(repeating: "1", count: 30_000).joined(separator: " && ") + " && 0") == .number(0))
        // The first true operand is the result, as written left to right.
        #expect(try evaluate("0 || '' || 'a' || 'b'") == .string("a"))
        #expect(try evaluate("1 && 'x' && '' && 'y'") == .string(""))
    }

    @Test func nestingUpToTheLimitIsAllowed() throws {
        let depth = ExpressionParser.maximumDepth
        #expect(try evaluate(String(repeating: "(", count: depth) + "1" + String(repeating: ")", count: depth)) == .number(1))
        #expect(try evaluate(String(repeating: "!", count: depth) + "1") == .bool(true))
    }

    @Test(arguments: [
        ("(", ")", "1"), ("!", "", "1"), ("toJSON(", ")", "1"), ("env[", "]", "'HOME'"), ("fromJSON(", ")", "'1'"),
    ])
    func nestingPastTheLimitIsALocatedError(open: String, close: String, inner: String) throws {
        let count = 10_000
        let text = String(repeating: open, count: count) + inner + String(repeating: close, count: count)
        let error = try #require(throws: ExpressionError.self) { try ExpressionParser.parse(text) }
        #expect(error.kind == .nestedTooDeeply(limit: ExpressionParser.maximumDepth))
        // At the opening that goes one level too deep.
        let depth = ExpressionParser.maximumDepth
        #expect((depth * open.count..<(depth + 1) * open.count).contains(error.offset))
    }

    @Test func longPathsAndComparisonChainsCountAsNesting() {
        #expect(throws: ExpressionError.self) { try ExpressionParser.parse("env" + String(repeating: ".a", count: 30_000)) }
        #expect(throws: ExpressionError.self) { try ExpressionParser.parse(Array(repeating: "0", count: 30_000).joined(separator: " == ")) }
        #expect(throws: Never.self) { try ExpressionParser.parse("env" + String(repeating: ".a", count: 200)) }
    }

    @Test func fromJSONRefusesValuesNestedPastTheLimit() throws {
        let deep = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        let error = try #require(throws: ExpressionError.self) { try evaluate("fromJSON('\(deep)')") }
        #expect(error.description == "fromJSON: the value nests more than 256 levels deep")
        let allowed = String(repeating: "[", count: 256) + String(repeating: "]", count: 256)
        #expect(try evaluate("toJSON(fromJSON('\(allowed)'))") == .string(allowed))
    }

    @Test func jsonTextIsMeasuredBeforeItIsDecoded() {
        #expect(JSONValue.nestingDepth(ofJSONText: "1".utf8) == 0)
        #expect(JSONValue.nestingDepth(ofJSONText: #"[{"a":[1]},[]]"#.utf8) == 3)
        // Brackets inside strings, escaped quotes included, do not count.
        #expect(JSONValue.nestingDepth(ofJSONText: #"["[[[{", "\"]]]"]"#.utf8) == 1)
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(JSONValue.nestingDepth(ofJSONText: deep.utf8) == 100_000)
    }

    @Test func depthIsMeasuredWithoutRecursion() {
        var value = JSONValue.null
        for _ in 0..<100_000 { value = .array([value]) }
        #expect(value.depth == 100_000)
        #expect(!value.isWithinDepthLimit)
        #expect(JSONValue.object(["a": .array([])]).depth == 2)
        // Take the value apart level by level: dropping it whole would recurse as deep.
        while case .array(let items) = value, let inner = items.first { value = inner }
    }

    @Test func aTooDeepExpressionInAFileIsAnErrorAtItsPlace() throws {
        let expression = String(repeating: "(", count: 7_000) + "1" + String(repeating: ")", count: 7_000)
        let error = try #require(throws: PipelineLoadError.self) {
            try PipelineLoader().load(contents: "steps:\n  a:\n    if: ${{ \(expression) }}\n    shell: echo\n", file: "p.yaml")
        }
        #expect(error.diagnostics.map(\.summary) == [
            "p.yaml:3:269: error: `if` of step `a`: the expression nests more than 256 levels deep (parentheses, `!`, calls, "
                + "`[...]`, the parts of a path and chained comparisons each nest one): split it, or compute part of it in an earlier step",
        ])
    }

    @Test func aJSONBodyNestedPastTheLimitIsAnErrorAtItsPlace() throws {
        let body = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        let error = try #require(throws: PipelineLoadError.self) {
            try PipelineLoader().load(contents: "steps:\n  a:\n    http: { url: 'http://127.0.0.1:1', json: \(body) }\n", file: "p.yaml")
        }
        #expect(error.diagnostics.map(\.summary) == [
            "p.yaml:3:46: error: `json` of `http` of step `a`: it nests more than 256 levels deep",
        ])
    }

    /// Found by the fuzzer: an unchecked call with too few arguments trapped.
    @Test func aCallWithTheWrongArgumentCountIsAnErrorWhenEvaluated() throws {
        let error = try #require(throws: ExpressionError.self) { try evaluate("contains('a')") }
        #expect(error.description == "`contains` takes 2 arguments, given 1")
        #expect(throws: ExpressionError.self) { try evaluate("format()") }
    }

    /// Found by the fuzzer: each toJSON of a toJSON doubles the text.
    @Test func nestedToJSONStopsAtTheTextLimit() throws {
        let text = String(repeating: "toJSON(", count: 100) + "'\"'" + String(repeating: ")", count: 100)
        let error = try #require(throws: ExpressionError.self) { try evaluate(text) }
        #expect(error.description.hasPrefix("toJSON: the text would be longer than 4 MiB"))
    }
}
