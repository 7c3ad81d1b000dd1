import Foundation
import Taskloop

/// A CPU kind: counts the words of every `.txt` and `.md` file in a folder
/// tree. It runs in a worker process, so it may block and burn CPU freely.
///
///     count:
///       uses: word-count
///       with: { folder: docs }
enum WordCount: CPUFunction {
    static let name = "word-count"
    static let summary = "Count the words of the .txt and .md files in a folder tree; outputs `words`, `files`, `top`."
    static let fields = [
        FieldDocumentation("folder", type: "path", required: true, "The folder to read."),
        FieldDocumentation("top", type: "whole number", "How many of the most common words to report (default 3)."),
    ]

    struct Input: Sendable {
        var folder: String
        var top: Int
    }

    static func decode(_ configuration: ConfigNode, field: String) throws(PipelineDiagnostics) -> Input {
        let with = try configuration.mapping(field: field, known: ["folder", "top"])
        let folder = try with.required("folder").string(field: with.name(of: "folder"))
        let top = try with["top"].map { node throws(PipelineDiagnostics) in try node.int(field: with.name(of: "top"), range: 1...100) } ?? 3
        return Input(folder: folder, top: top)
    }

    static func run(_ input: Input, in context: CPUContext) throws -> StepOutputs {
        let root = context.resolve(input.folder)
        guard let walker = FileManager.default.enumerator(atPath: root) else {
            throw StepFailure("cannot read the folder \(input.folder)")
        }
        var counts: [String: Int] = [:]
        var files = 0
        while let path = walker.nextObject() as? String {
            guard path.hasSuffix(".txt") || path.hasSuffix(".md") else { continue }
            let text = try String(contentsOfFile: root + "/" + path, encoding: .utf8)
            files += 1
            for word in text.lowercased().split(whereSeparator: { !$0.isLetter }) { counts[String(word), default: 0] += 1 }
        }
        let top = counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(input.top).map(\.key)
        return [
            "words": JSONValue(counts.values.reduce(0, +)), "files": JSONValue(files),
            "top": .string(top.joined(separator: ", ")),
        ]
    }
}
