import Foundation
import Taskloop

/// An I/O kind: renders a template file, replacing `{{name}}` with values.
///
///     report:
///       uses: template
///       with: { template: report.tmpl, to: out/report.md, values: { words: "${{ steps.count.outputs.words }}" } }
///
/// It runs on the event loop, so it never blocks: the file reads and writes go
/// to the thread pool the context offers.
struct TemplateStep: StepKind {
    static let name = "template"
    static let summary = "Render a template file, replacing {{name}} with values; outputs `path`, `bytes`."
    static let fields = [
        FieldDocumentation("template", type: "path", required: true, "The template file."),
        FieldDocumentation("to", type: "path", required: true, "The file to write."),
        FieldDocumentation("values", type: "mapping", "Names and their values."),
    ]

    var template: String
    var target: String
    var values: [String: String]

    init(from configuration: ConfigNode, field: String) throws(PipelineDiagnostics) {
        let with = try configuration.mapping(field: field, known: ["template", "to", "values"])
        template = try with.required("template").string(field: with.name(of: "template"))
        target = try with.required("to").string(field: with.name(of: "to"))
        values = [:]
        if let node = with["values"] {
            for entry in try node.stringMap(field: with.name(of: "values")) { values[entry.key] = entry.value }
        }
    }

    var detail: String { "render \(template) to \(target)" }

    func run(in context: StepContext) async throws -> StepOutputs {
        let source = context.resolve(template)
        let destination = context.resolve(target)
        let values = self.values
        let rendered = try await context.threadPool.runIfActive { () throws -> String in
            let text = try String(contentsOfFile: source, encoding: .utf8)
            return try Self.render(text, values: values)
        }
        try await context.threadPool.runIfActive {
            let folder = (destination as NSString).deletingLastPathComponent
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try rendered.write(toFile: destination, atomically: true, encoding: .utf8)
        }
        context.write("rendered \(target)\n")
        return ["path": .string(destination), "bytes": JSONValue(rendered.utf8.count)]
    }

    static func render(_ text: String, values: [String: String]) throws -> String {
        var result = ""
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            result += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw StepFailure("the template has a `{{` that is never closed with `}}`")
            }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            guard let value = values[name] else {
                throw StepFailure("the template uses `{{\(name)}}`, but `values` has no `\(name)`")
            }
            result += value
            rest = rest[close.upperBound...]
        }
        return result + rest
    }
}
