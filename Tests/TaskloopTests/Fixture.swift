import Foundation
import Testing
@testable import Taskloop

/// Both Testing and Taskloop name a type `SourceLocation`; in these tests it
/// is the place in a pipeline file.
typealias SourceLocation = Taskloop.SourceLocation

/// A pipeline file in `Fixtures/`, named for what it shows.
struct Fixture {
    let name: String
    let url: URL

    init(_ name: String) throws {
        self.name = name
        url = try #require(Bundle.module.url(forResource: name, withExtension: "yaml", subdirectory: "Fixtures"))
    }

    var path: String { url.path }

    var text: String {
        get throws { try String(contentsOf: url, encoding: .utf8) }
    }

    /// The text of line `number` (1-based), as the file has it.
    func line(_ number: Int) throws -> String {
        let lines = try text.split(separator: "\n", omittingEmptySubsequences: false)
        return String(lines[number - 1])
    }

    func load(registry: StepKindRegistry = .builtIn) throws(PipelineLoadError) -> Pipeline {
        try PipelineLoader(registry: registry).load(file: path)
    }

    /// Every fixture, for tests that feed them all through the loader.
    static func all() throws -> [Fixture] {
        let folder = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".yaml") }
            .map { String($0.dropLast(".yaml".count)) }
            .sorted()
        return try names.map(Fixture.init)
    }
}

/// One diagnostic as a test expects it: the exact message and its place.
struct ExpectedDiagnostic: CustomStringConvertible {
    var message: String
    var line: Int
    var column: Int

    init(_ message: String, at line: Int, _ column: Int) {
        self.message = message
        self.line = line
        self.column = column
    }

    var description: String { "\(line):\(column): \(message)" }
}

/// Loads `fixture`, expecting it to fail with exactly `expected`, in this
/// order, and `rendered` to show each once with its source line and a caret
/// under the column, then the count of errors.
func expectLoadFailure(
    _ fixture: Fixture, _ expected: [ExpectedDiagnostic], registry: StepKindRegistry = .builtIn,
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) throws {
    let error = try #require(throws: PipelineLoadError.self, sourceLocation: sourceLocation) {
        try fixture.load(registry: registry)
    }
    let found = error.diagnostics.map { diagnostic in
        ExpectedDiagnostic(diagnostic.problem.message, at: diagnostic.location?.line ?? 0, diagnostic.location?.column ?? 0)
    }
    #expect(found.map(\.description) == expected.map(\.description), sourceLocation: sourceLocation)
    #expect(error.diagnostics.allSatisfy { $0.location?.file == fixture.path && $0.severity == .error },
            sourceLocation: sourceLocation)

    var blocks: [String] = []
    for diagnostic in expected {
        let sourceLine = try fixture.line(diagnostic.line)
        let caret = String(repeating: " ", count: diagnostic.column - 1) + "^"
        blocks.append("\(fixture.path):\(diagnostic.line):\(diagnostic.column): error: \(diagnostic.message)\n\(sourceLine)\n\(caret)")
    }
    blocks.append((expected.count == 1 ? "1 error" : "\(expected.count) errors") + " in \(fixture.path)")
    #expect(error.rendered == blocks.joined(separator: "\n\n"), sourceLocation: sourceLocation)
}

/// A plugin kind for tests: `uses: greeting`, `with: { to: NAME }` (default `everyone`).
struct GreetingStep: StepKind {
    static let name = "greeting"
    static let summary = "Greets someone."
    static let fields = [FieldDocumentation("to", type: "text", "Who to greet (default `everyone`).")]

    var recipient: String

    init(from configuration: ConfigNode, field: String) throws(PipelineDiagnostics) {
        let mapping = try configuration.mapping(field: field, known: ["to"])
        recipient = try mapping.string("to") ?? "everyone"
    }

    var detail: String { "greet \(recipient)" }

    func run(in context: StepContext) async throws -> StepOutputs {
        ["greeting": .string("hello, \(recipient)")]
    }
}

extension StepKindRegistry {
    static let withGreeting = StepKindRegistry.builtIn.adding(plugins: [GreetingStep.self])
}
