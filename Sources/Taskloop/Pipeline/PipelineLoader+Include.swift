import Foundation

/// The files a pipeline is read from: the main file and the files it
/// includes, directly or not.
struct PipelineSources {
    /// The text of each file, by its path as diagnostics name it.
    var texts: [String: String]
    /// The canonical paths of the files read: each file is read once, however
    /// many files include it.
    var read: Set<String>

    init(main file: String, text: String) {
        texts = [file: text]
        read = [PipelineLoader.canonicalPath(file)]
    }
}

/// Why a file could not be read as pipeline text.
enum FileReadFailure: Error {
    /// What a file that is neither a regular file nor a folder is, in words; nil for those two.
    static func kind(of mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG, S_IFDIR: return nil
        case S_IFIFO: return "a named pipe (FIFO)"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        default: return "a special file"
        }
    }

    case notFound
    case folder
    /// A named pipe, a device or a socket (``FileReadFailure/kind(of:)`` names which).
    case notRegularFile(String)
    case notUTF8
    case unreadable(String)
}

extension PipelineLoader {
    /// What an included file may hold. The rest of the top level (`name`,
    /// `env`, `params`, `limits`, `timeout`) belongs to the main file alone,
    /// so one file decides how the whole pipeline runs.
    static let includedFileKeys = ["include", "steps"]

    /// The steps of the files that `node` (an `include:` value written in
    /// `file`) names, and of the files those include, in order. `chain` holds
    /// the files being included, from the main file: naming one of them again
    /// is a cycle.
    func includedSteps(
        _ node: ConfigNode, from file: String, chain: [(path: String, canonical: String)],
        sources: inout PipelineSources, problems: inout [Diagnostic]
    ) -> [ConfigNode.Entry] {
        let field = "`include` of `\(file)`"
        guard let paths = Self.collecting(into: &problems, { () throws(PipelineDiagnostics) in
            try node.stringList(field: field, expected: "a file path or a list of file paths")
        }) else { return [] }
        var steps: [ConfigNode.Entry] = []
        for pathNode in paths {
            let path = pathNode.scalarText ?? ""
            let resolved = Self.resolve(path, relativeTo: file)
            let canonical = Self.canonicalPath(resolved)
            if let start = chain.firstIndex(where: { $0.canonical == canonical }) {
                problems.append(Diagnostic(.includeCycle(chain[start...].map(\.path) + [resolved]), at: pathNode.location))
                continue
            }
            guard sources.read.insert(canonical).inserted else { continue }
            let text: String
            switch Self.readText(resolved) {
            case .success(let contents):
                text = contents
            case .failure(let failure):
                let problem: PipelineProblem
                switch failure {
                case .notFound: problem = .includeNotFound(path, resolved: resolved)
                case .folder: problem = .includeUnreadable(path, reason: "`\(resolved)` is a folder; name a pipeline file")
                case .notRegularFile(let kind):
                    problem = .includeUnreadable(path, reason: "`\(resolved)` is \(kind), not a regular file; name a pipeline file")
                case .notUTF8: problem = .includeUnreadable(path, reason: "`\(resolved)` is not UTF-8 text; save it as UTF-8")
                case .unreadable(let reason): problem = .includeUnreadable(path, reason: "\(reason); check that `\(resolved)` is readable")
                }
                problems.append(Diagnostic(problem, at: pathNode.location))
                continue
            }
            sources.texts[resolved] = text
            let root: ConfigNode
            do {
                root = try YAMLDocument.parse(text, file: resolved)
            } catch {
                problems += error.diagnostics
                continue
            }
            steps += stepsOfIncludedFile(root, file: resolved, chain: chain + [(resolved, canonical)], sources: &sources, problems: &problems)
        }
        return steps
    }

    /// The steps an included file declares: those of the files it includes,
    /// then its own.
    private func stepsOfIncludedFile(
        _ root: ConfigNode, file: String, chain: [(path: String, canonical: String)],
        sources: inout PipelineSources, problems: inout [Diagnostic]
    ) -> [ConfigNode.Entry] {
        guard case .mapping(let entries) = root.content else {
            problems.append(Diagnostic(
                .wrongType(field: "the included file `\(file)`", expected: "a mapping with `steps:` (and optionally `include:`)", found: root.shapeDescription),
                at: root.location))
            return []
        }
        for entry in entries where !Self.includedFileKeys.contains(entry.name) {
            if Self.topLevelKeys.contains(entry.name) {
                problems.append(Diagnostic(.keyOnlyInMainFile(entry.name), at: entry.key.location))
            } else {
                problems.append(Diagnostic(
                    .unknownKey(entry.name, context: "the included file `\(file)`", known: Self.includedFileKeys), at: entry.key.location))
            }
        }
        var steps: [ConfigNode.Entry] = []
        let include = entries.first(where: { $0.name == "include" })
        if let include {
            steps += includedSteps(include.value, from: file, chain: chain, sources: &sources, problems: &problems)
        }
        if let stepsNode = entries.first(where: { $0.name == "steps" }) {
            steps += stepEntries(stepsNode.value, problems: &problems)
        } else if include == nil {
            problems.append(Diagnostic(.noSteps, at: root.location))
        }
        return steps
    }

    /// `path` as written in `file`: relative to `file`'s folder unless absolute.
    static func resolve(_ path: String, relativeTo file: String) -> String {
        if path.hasPrefix("/") { return path }
        let folder = (file as NSString).deletingLastPathComponent
        return folder.isEmpty ? path : folder + "/" + path
    }

    /// One name for each file, however it is reached (`a/../b.yaml`, links).
    static func canonicalPath(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// The text of the file at `path` (a blocking read).
    static func readText(_ path: String) -> Result<String, FileReadFailure> {
        switch WholeFile.read(path) {
        case .success(let bytes):
            // The standard library's validating decoder: one pass over the bytes.
            guard let text = String(validating: bytes, as: UTF8.self) else { return .failure(.notUTF8) }
            return .success(text)
        case .failure(.system(let code)) where code == ENOENT || code == ENOTDIR:
            return .failure(.notFound)
        case .failure(.folder):
            return .failure(.folder)
        case .failure(.special(let kind)):
            return .failure(.notRegularFile(kind))
        case .failure(let failure):
            return .failure(.unreadable(SystemErrorText.describe(failure.code)))
        }
    }
}
