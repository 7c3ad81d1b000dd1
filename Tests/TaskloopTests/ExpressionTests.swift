import Foundation
import Testing
@testable import Taskloop

@Suite struct ExpressionTests {
    let context = ExpressionContext(
        environment: ["HOME": "/home/ci", "EMPTY": ""],
        parameters: ["target": "release", "count": "3"],
        steps: [
            "api": .init(status: .success, outputs: [
                "json": .object([
                    "items": .array([.object(["name": .string("first")]), .object(["name": .string("second")])]),
                    "title": .string("Hello"),
                ]),
                "status": JSONValue(200),
            ]),
            "broken": .init(status: .failure, outputs: ["exit-code": JSONValue(2)]),
        ],
        needStatuses: [.success])

    func evaluate(_ text: String, in context: ExpressionContext? = nil) throws -> JSONValue {
        try ExpressionEvaluator(context: context ?? self.context).evaluate(ExpressionParser.parse(text))
    }

    @Test func arithmeticIsNotPartOfTheLanguage() {
        #expect(throws: ExpressionError(.unexpectedCharacter("+"), at: 2)) { try ExpressionParser.parse("1 + 0 == 1") }
    }

    @Test(arguments: [
        ("true", JSONValue.bool(true)), ("null", .null), ("42", .number(42)), ("-1.5", .number(-1.5)),
        ("'it''s'", .string("it's")), ("1 == 1", .bool(true)), ("1 != 1", .bool(false)),
        ("2 < 10", .bool(true)), ("'2' < 10", .bool(true)), ("3 <= 3", .bool(true)), ("4 > 5", .bool(false)),
        ("5 >= 5", .bool(true)), ("!true", .bool(false)), ("!''", .bool(true)), ("!0", .bool(true)),
        ("true && 'yes'", .string("yes")), ("false && 'yes'", .bool(false)), ("'' || 'fallback'", .string("fallback")),
        ("(1 == 2 || 2 == 2) && !(3 == 4)", .bool(true)), ("'ABC' == 'abc'", .bool(true)), ("'3' == 3", .bool(true)),
        ("null == 0", .bool(true)), ("true == 1", .bool(true)),
    ])
    func grammarAndOperators(text: String, expected: JSONValue) throws {
        #expect(try evaluate(text) == expected)
    }

    @Test(arguments: [
        ("env.HOME", JSONValue.string("/home/ci")), ("env.MISSING", .null), ("params.target", .string("release")),
        ("params.count == 3", .bool(true)), ("steps.api.status", .string("success")),
        ("steps.api.outputs.status", .number(200)), ("steps.api.outputs.json.items[0].name", .string("first")),
        ("steps.api.outputs.json.items[1]['name']", .string("second")), ("steps.api.outputs.json.items[5].name", .null),
        ("steps['api'].outputs.json.title", .string("Hello")), ("steps.broken.outputs.exit-code", .number(2)),
        ("steps.api.outputs.json.title.length", .null),
    ])
    func contextsAndJSONPaths(text: String, expected: JSONValue) throws {
        #expect(try evaluate(text) == expected)
    }

    @Test(arguments: [
        ("contains('Hello world', 'WORLD')", JSONValue.bool(true)), ("contains(fromJSON('[1,2,3]'), 2)", .bool(true)),
        ("contains(fromJSON('[1,2,3]'), 4)", .bool(false)), ("startsWith('release-1', 'Release')", .bool(true)),
        ("endsWith('notes.txt', '.md')", .bool(false)), ("format('{0}-{1}-{0}', 'a', 2)", .string("a-2-a")),
        ("format('{{literal}} {0}', 'x')", .string("{literal} x")), ("toJSON(steps.api.outputs.json.items[0])", .string(#"{"name":"first"}"#)),
        ("fromJSON('{\"a\": [true]}').a[0]", .bool(true)), ("toJSON('a/b')", .string(#""a/b""#)),
        ("success()", .bool(true)), ("failure()", .bool(false)), ("always()", .bool(true)), ("cancelled()", .bool(false)),
    ])
    func functions(text: String, expected: JSONValue) throws {
        #expect(try evaluate(text) == expected)
    }

    @Test func statusFunctionsFollowTheNeedsConclusions() throws {
        let failed = ExpressionContext(needStatuses: [.success, .failure])
        #expect(try evaluate("success()", in: failed) == .bool(false))
        #expect(try evaluate("failure()", in: failed) == .bool(true))
        let stopping = ExpressionContext(needStatuses: [.success], isStopping: true)
        #expect(try evaluate("cancelled()", in: stopping) == .bool(true))
        #expect(try evaluate("success()", in: stopping) == .bool(false))
    }

    /// A member of a context is read without making the whole context a
    /// value; it must be what the whole context holds.
    @Test(arguments: [
        ("steps.api", "fromJSON(toJSON(steps)).api"), ("steps['broken']", "fromJSON(toJSON(steps))['broken']"),
        ("steps.missing", "fromJSON(toJSON(steps)).missing"), ("env.HOME", "fromJSON(toJSON(env)).HOME"),
        ("env['EMPTY']", "fromJSON(toJSON(env))['EMPTY']"), ("params.count", "fromJSON(toJSON(params)).count"),
        ("params[format('{0}', 'target')]", "fromJSON(toJSON(params)).target"), ("matrix.os", "fromJSON(toJSON(matrix)).os"),
    ])
    func aMemberOfAContextIsWhatTheWholeContextHolds(member: String, throughWholeContext: String) throws {
        let value = try evaluate(member)
        #expect(value == (try evaluate(throughWholeContext)))
        if member.hasPrefix("steps.api") { #expect(value != .null) }
    }

    @Test func anUnknownContextIsAnErrorHoweverItsMemberIsRead() {
        for text in ["nope.x", "nope['x']", "nope"] {
            #expect(throws: ExpressionError(.unknownContext("nope"), at: 0)) { try evaluate(text) }
        }
    }

    @Test func evaluationErrorsSayWhatWentWrong() {
        #expect(throws: ExpressionError(.evaluation("format: `{1}` has no argument (given 1)"), at: 0)) {
            try evaluate("format('{1}', 'a')")
        }
        #expect(throws: ExpressionError.self) { try evaluate("fromJSON('not json')") }
    }

    @Test(arguments: [
        ("1 ==", "expected a value, a name or `(`, found the end of the expression", 4),
        ("'open", "a string in the expression is not closed: end it with `'`", 0),
        ("a.", "expected a name after `.`, found the end of the expression", 2),
        ("f(1, 2", "expected `,` or `)` in the call of `f`, found the end of the expression", 6),
        ("1 2", "expected an operator or the end of the expression, found the number `2`", 2),
        ("a # b", "unexpected character `#` in the expression", 2),
    ])
    func syntaxErrorsCarryTheirOffset(text: String, message: String, offset: Int) {
        do {
            _ = try ExpressionParser.parse(text)
            Issue.record("`\(text)` parsed")
        } catch {
            #expect(error.description == message)
            #expect(error.offset == offset)
        }
    }

    @Test func templatesRenderTheirParts() throws {
        let template = try Template.parse("v${{ params.count }} of ${{ params.target }}${{ steps.api.outputs.json.items }}")
        #expect(try template.render(with: ExpressionEvaluator(context: context)) == #"v3 of release[{"name":"first"},{"name":"second"}]"#)
        #expect(try Template.parse("no expressions").parts == [.literal("no expressions")])
        #expect(throws: ExpressionError(.unclosedExpression, at: 2)) { try Template.parse("a ${{ b") }
    }
}
