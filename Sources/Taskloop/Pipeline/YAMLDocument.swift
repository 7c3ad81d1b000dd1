import Yams

/// Reads the text of a pipeline file into a ``ConfigNode`` tree: one YAML
/// document, every part located, aliases expanded within a budget.
///
/// Whatever the text (binary garbage, tabs, a bomb of aliases), `parse`
/// returns a tree or throws diagnostics that each carry a location; it never
/// traps and its work is linear in the text. libyaml bounds the nesting at
/// 1000 levels, which keeps the recursion in Yams and in the converter shallow.
enum YAMLDocument {
    /// How many values a document may expand to, aliases included. Real
    /// pipelines hold thousands; a billion-laughs file holds billions.
    static let expandedValueLimit = 1_000_000

    static func parse(
        _ text: String, file: String, expandedValueLimit: Int = expandedValueLimit
    ) throws(PipelineDiagnostics) -> ConfigNode {
        let text = SourceText.droppingByteOrderMark(text)
        let start = SourceLocation(file: file, line: 1, column: 1)
        guard let shield = YAMLAliasShield(text) else {
            throw PipelineDiagnostics(.privateUseCharactersExhausted, at: start)
        }
        let parser: Parser
        let root: Node?
        do {
            // `.basic` resolves every untagged scalar to text, so Yams's
            // duplicate check compares keys as the pipeline reads them.
            parser = try Parser(yaml: shield.text, resolver: .basic, constructor: .default, encoding: .utf8)
            root = try parser.singleRoot()
        } catch {
            throw PipelineDiagnostics([diagnostic(for: error, in: text, shield: shield, file: file)])
        }
        guard let root else {
            throw PipelineDiagnostics(.emptyDocument, at: start)
        }
        var converter = YAMLNodeConverter(file: file, shield: shield, limit: expandedValueLimit)
        // The parser owns the anchors, which the nodes hold weakly.
        let tree = try withExtendedLifetime(parser) { () throws(PipelineDiagnostics) in
            try converter.convert(root)
        }
        if !converter.problems.isEmpty {
            throw PipelineDiagnostics(converter.problems)
        }
        if tree.isNull {
            throw PipelineDiagnostics(.emptyDocument, at: tree.location)
        }
        return tree
    }
}
