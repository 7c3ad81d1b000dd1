/// `file: { write: out/notes.txt, content: "done\n" }` and the other file
/// operations. Every call that touches the disk goes through NIO's file system
/// API, which runs it on its own thread pool: the event loop never blocks.
public struct FileStep: StepKind {
    public enum Operation: Sendable, Hashable {
        case write(path: String, content: String)
        case append(path: String, content: String)
        case read(path: String)
        case copy(from: String, to: String)
        case move(from: String, to: String)
        case remove(path: String, recursive: Bool, missingOK: Bool)
        case mkdir(path: String)
    }

    public static let name = "file"
    public static let summary = "Write, append, read, copy, move, remove files, or make folders; parent folders are created."
    public static let fields = [
        FieldDocumentation("write", type: "path", "Write `content` to this file, replacing it; outputs `path`, `bytes`."),
        FieldDocumentation("append", type: "path", "Append `content` to this file, creating it; outputs `path`, `bytes`."),
        FieldDocumentation("content", type: "text", "The text for `write` and `append`."),
        FieldDocumentation("read", type: "path", "Read a text file (at most 1 MiB); outputs `content`, `bytes`, `path`."),
        FieldDocumentation("copy", type: "path", "Copy this file or folder to `to`, replacing the target; outputs `path`, `bytes`."),
        FieldDocumentation("move", type: "path", "Move (rename) this file or folder to `to`, replacing the target; outputs `path`."),
        FieldDocumentation("to", type: "path", "The target of `copy` and `move`."),
        FieldDocumentation("remove", type: "path", "Remove this file; a folder needs `recursive: true`; outputs `path`."),
        FieldDocumentation("recursive", type: "boolean", "With `remove`: remove a folder and all it holds (default false)."),
        FieldDocumentation("missing-ok", type: "boolean", "With `remove`: succeed when the path does not exist (default false)."),
        FieldDocumentation("mkdir", type: "path", "Create this folder and its parents; outputs `path`."),
    ]

    static let operationKeys = ["write", "append", "read", "copy", "move", "remove", "mkdir"]
    /// Which keys go with each operation, besides the operation's own.
    static let companionKeys: [String: [String]] = [
        "write": ["content"], "append": ["content"], "read": [], "copy": ["to"], "move": ["to"],
        "remove": ["recursive", "missing-ok"], "mkdir": [],
    ]

    public var operation: Operation

    public init(_ operation: Operation) {
        self.operation = operation
    }

    public init(from configuration: ConfigNode, field: String) throws(PipelineDiagnostics) {
        let allKeys = Self.operationKeys + ["content", "to", "recursive", "missing-ok"]
        let mapping = try configuration.mapping(field: field, known: allKeys)
        let chosen = Self.operationKeys.filter { mapping.contains($0) }
        guard chosen.count == 1, let key = chosen.first else {
            let reason = chosen.isEmpty
                ? "name one operation: \(PipelineProblem.list(Self.operationKeys))"
                : "name one operation, not \(PipelineProblem.list(chosen))"
            throw PipelineDiagnostics(.invalidValue(field: field, reason: reason), at: configuration.location)
        }
        let allowed = [key] + Self.companionKeys[key, default: []]
        var problems: [Diagnostic] = []
        for entry in mapping.entries where !allowed.contains(entry.name) {
            problems.append(Diagnostic(
                .invalidValue(field: mapping.name(of: entry.name), reason: "does not apply to `\(key)`; it takes \(PipelineProblem.list(allowed))"),
                at: entry.key.location))
        }
        if !problems.isEmpty { throw PipelineDiagnostics(problems) }

        let path = try mapping.required(key).string(field: mapping.name(of: key))
        switch key {
        case "write", "append":
            let content = try mapping.required("content").string(field: mapping.name(of: "content"))
            operation = key == "write" ? .write(path: path, content: content) : .append(path: path, content: content)
        case "read":
            operation = .read(path: path)
        case "copy", "move":
            let target = try mapping.required("to").string(field: mapping.name(of: "to"))
            operation = key == "copy" ? .copy(from: path, to: target) : .move(from: path, to: target)
        case "remove":
            operation = .remove(
                path: path, recursive: try mapping.bool("recursive") ?? false,
                missingOK: try mapping.bool("missing-ok") ?? false)
        default:
            operation = .mkdir(path: path)
        }
    }

    public var detail: String {
        switch operation {
        case .write(let path, _): return "write \(path)"
        case .append(let path, _): return "append \(path)"
        case .read(let path): return "read \(path)"
        case .copy(let from, let to): return "copy \(from) to \(to)"
        case .move(let from, let to): return "move \(from) to \(to)"
        case .remove(let path, _, _): return "remove \(path)"
        case .mkdir(let path): return "mkdir \(path)"
        }
    }
}
