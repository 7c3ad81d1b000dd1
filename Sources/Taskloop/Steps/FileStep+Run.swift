import NIOCore
import NIOFileSystem
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

extension FileStep {
    /// The largest file `read` loads into the output `content`.
    static let readLimit = 1024 * 1024

    public func run(in context: StepContext) async throws -> StepOutputs {
        let fileSystem = FileSystem.shared
        switch operation {
        case .write(let path, let content):
            let target = context.resolve(path)
            try await Self.attempt("write", path) {
                try await AtomicFile.write(Array(content.utf8), to: target, fileSystem: fileSystem)
            }
            return ["path": .string(target), "bytes": JSONValue(content.utf8.count)]

        case .append(let path, let content):
            let target = context.resolve(path)
            try await Self.attempt("append to", path) {
                try await Self.append(Array(content.utf8), to: target, fileSystem: fileSystem)
            }
            return ["path": .string(target), "bytes": JSONValue(content.utf8.count)]

        case .read(let path):
            let source = context.resolve(path)
            // ``WholeFile`` refuses a named pipe or a device as it opens it,
            // where opening a pipe to read would hold a pool thread, and the
            // step, until some writer came.
            let read = try await context.threadPool.runIfActive { WholeFile.read(source, limit: Self.readLimit) }
            let problem: String
            switch read {
            case .success(let bytes):
                return [
                    "path": .string(source), "bytes": JSONValue(bytes.count),
                    "content": .string(String(decoding: bytes, as: UTF8.self)),
                ]
            case .failure(.system(ENOTDIR)):
                problem = FileStepProblem.missing.description
            case .failure(.system(let code)):
                problem = FileStepProblem(errno: code).description
            case .failure(.folder):
                problem = "it is a folder; `read` loads one file"
            case .failure(.special(let kind)):
                problem = "it is \(kind), not a file; `read` loads one file"
            case .failure(.tooLarge):
                problem = "the file is larger than \(Self.readLimit / 1024 / 1024) MiB, the most `read` loads; use `copy` or a shell step for large files"
            }
            if Task.isCancelled { throw CancellationError() }
            throw StepFailure("cannot read \(path): \(problem)")

        case .copy(let from, let to):
            let source = context.resolve(from)
            let target = context.resolve(to)
            let size = try await Self.attempt("copy", from) {
                guard let info = try await fileSystem.info(forFileAt: FilePath(source)) else {
                    throw FileStepProblem.missing
                }
                if info.type == .directory { try await Self.refuseCopyIntoItself(source, target, to: to, threadPool: context.threadPool) }
                try await AtomicFile.replace(target, fileSystem: fileSystem) { temporary in
                    try await ItemCopy.copy(FilePath(source), to: FilePath(temporary), fileSystem: fileSystem)
                }
                return info.type == .regular ? Int(info.size) : nil
            }
            var outputs: StepOutputs = ["path": .string(target)]
            if let size { outputs["bytes"] = JSONValue(size) }
            return outputs

        case .move(let from, let to):
            let source = context.resolve(from)
            let target = context.resolve(to)
            try await Self.attempt("move", from) {
                guard let info = try await fileSystem.info(forFileAt: FilePath(source), infoAboutSymbolicLink: true) else {
                    throw FileStepProblem.missing
                }
                if info.type == .directory { try await Self.refuseCopyIntoItself(source, target, to: to, threadPool: context.threadPool) }
                try await AtomicFile.createParent(of: target, fileSystem: fileSystem)
                do {
                    try await AtomicFile.moveIntoPlace(source, target, fileSystem: fileSystem)
                } catch FileStepProblem.system(EXDEV) {
                    // Another file system: copy beside the target, rename into
                    // place, and only then remove the source.
                    try await AtomicFile.replace(target, fileSystem: fileSystem) { temporary in
                        try await ItemCopy.copy(FilePath(source), to: FilePath(temporary), followingLink: false, fileSystem: fileSystem)
                    }
                    _ = try await fileSystem.removeItem(at: FilePath(source), strategy: .platformDefault, recursively: true)
                }
            }
            return ["path": .string(target)]

        case .remove(let path, let recursive, let missingOK):
            let target = context.resolve(path)
            let removed = try await Self.attempt("remove", path) { () async throws -> Int in
                guard let info = try await fileSystem.info(forFileAt: FilePath(target), infoAboutSymbolicLink: true) else {
                    if missingOK { return 0 }
                    throw FileStepProblem.missing
                }
                if info.type == .directory, !recursive {
                    throw FileStepProblem.folderNeedsRecursive
                }
                if info.type == .directory { try await Self.refuseRemoving(target, as: path, in: context) }
                return try await fileSystem.removeItem(at: FilePath(target), strategy: .platformDefault, recursively: recursive)
            }
            return ["path": .string(target), "removed": JSONValue(removed)]

        case .mkdir(let path):
            let target = context.resolve(path)
            try await Self.attempt("create folder", path) {
                if let info = try await fileSystem.info(forFileAt: FilePath(target)) {
                    if info.type == .directory { return }
                    throw FileStepProblem.fileInTheWay
                }
                try await fileSystem.createDirectory(at: FilePath(target), withIntermediateDirectories: true)
            }
            return ["path": .string(target)]
        }
    }

    /// Runs a file operation, turning a file system error into a step failure
    /// that names the operation, the path as the user wrote it, and the cause.
    private static func attempt<Result>(
        _ verb: String, _ path: String, _ body: () async throws -> Result
    ) async throws -> Result {
        do {
            return try await body()
        } catch let error as FileSystemError {
            if Task.isCancelled { throw CancellationError() }
            throw StepFailure("cannot \(verb) \(path): \(Self.reason(error))")
        } catch let problem as FileStepProblem {
            if Task.isCancelled { throw CancellationError() }
            throw StepFailure("cannot \(verb) \(path): \(problem.description)")
        }
    }

    /// Throws when the folder `source` would be copied or moved into itself
    /// (`to` as written, for the message): a copy that walks the folder it
    /// writes into never ends, and `rename` refuses it with a bare EINVAL.
    private static func refuseCopyIntoItself(_ source: String, _ target: String, to: String, threadPool: NIOThreadPool) async throws {
        switch try await threadPool.runIfActive({ PathContainment.place(of: target, from: source) }) {
        case .theFolderItself: throw FileStepProblem.targetIsSource(to)
        case .inside: throw FileStepProblem.targetInsideSource(to)
        case .elsewhere: return
        }
    }

    /// Throws for a folder that must not go: one named `.` or `..` (as
    /// `rm` refuses them), the root, and one that holds this run's event
    /// log, which the run is still writing (the record of the run would go
    /// with it).
    private static func refuseRemoving(_ target: String, as written: String, in context: StepContext) async throws {
        if let last = written.split(separator: "/").last, last == "." || last == ".." {
            throw FileStepProblem.removingDotFolder
        }
        let runDirectory = context.runDirectory
        let place = try await context.threadPool.runIfActive { () -> (root: Bool, holdsLog: Bool) in
            (PathContainment.resolvedLocation(of: target) == "/",
             PathContainment.place(of: runDirectory, from: target) != .elsewhere)
        }
        if place.root { throw FileStepProblem.removingRoot }
        if place.holdsLog { throw FileStepProblem.removingRunLog(runDirectory) }
    }

    /// Appends `bytes` to `target`, creating it. A failed append (a full
    /// disk) leaves the file as it was: cut back to its old size, or removed
    /// when the append created it.
    private static func append(_ bytes: [UInt8], to target: String, fileSystem: FileSystem) async throws {
        try await AtomicFile.createParent(of: target, fileSystem: fileSystem)
        let info = try await fileSystem.info(forFileAt: FilePath(target))
        // Opening a named pipe to write waits for a reader, holding a pool
        // thread and the step until one comes, maybe never.
        if info?.type == .fifo { throw FileStepProblem.namedPipe }
        let existed = info != nil
        try await fileSystem.withFileHandle(
            forWritingAt: FilePath(target), options: .modifyFile(createIfNecessary: true)
        ) { handle in
            let end = try await handle.info().size
            do {
                try await handle.write(contentsOf: bytes, toAbsoluteOffset: end)
            } catch {
                if existed {
                    try? await handle.resize(to: .bytes(end))
                } else {
                    await AtomicFile.removeEvenIfCancelled(target)
                }
                throw error
            }
        }
    }

    private static func reason(_ error: FileSystemError) -> String {
        switch error.code {
        case .notFound: return FileStepProblem.missing.description
        case .permissionDenied: return "permission denied"
        case .fileAlreadyExists: return FileStepProblem.fileInTheWay.description
        case .notEmpty: return "the folder is not empty"
        default: return SystemErrorText.reason(error, fallback: error.message.isEmpty ? "\(error.code)" : error.message)
        }
    }
}

/// File-step failures that are not file system errors.
enum FileStepProblem: Error, CustomStringConvertible {
    case missing
    case fileInTheWay
    case folderNeedsRecursive
    case folderInTheWay
    /// Not a file, a folder or a symbolic link (a socket, a device).
    case notCopyable(String)
    case permissionDenied
    /// `append` to a named pipe.
    case namedPipe
    /// A folder's `copy` or `move` target (as written) lies inside the folder.
    case targetInsideSource(String)
    /// A folder's `copy` or `move` target (as written) is the folder itself.
    case targetIsSource(String)
    /// `remove` of a path whose last component is `.` or `..`.
    case removingDotFolder
    case removingRoot
    /// `remove` of a folder that holds the run's event log, in this folder.
    case removingRunLog(String)
    /// A system call failed with this `errno`.
    case system(Int32)

    /// The problem a failed system call's `errno` names, in the words
    /// NIO's file system errors get (see `reason(_:)` above).
    init(errno code: Int32) {
        switch code {
        case ENOENT: self = .missing
        case EACCES, EPERM: self = .permissionDenied
        case EEXIST, ENOTDIR: self = .fileInTheWay
        case EISDIR: self = .folderInTheWay
        default: self = .system(code)
        }
    }

    /// Throws ``system(_:)`` unless `code` is 0.
    static func check(_ code: Int32) throws {
        if code != 0 { throw FileStepProblem.system(code) }
    }

    var description: String {
        switch self {
        case .folderInTheWay: return "a folder is already there; remove it first"
        case .system(let code): return SystemErrorText.describe(code)
        case .notCopyable(let path): return "\(path) is not a file, a folder or a symbolic link, and cannot be copied"
        case .missing: return "no such file or folder"
        case .permissionDenied: return "permission denied"
        case .namedPipe: return "it is a named pipe (FIFO), not a file; write to a pipe from a shell step"
        case .targetInsideSource(let target): return "`\(target)` is inside it, and a folder cannot go into itself; choose a target outside it"
        case .targetIsSource(let target): return "`\(target)` is that same folder; choose another target"
        case .removingDotFolder:
            return "a path ending in `.` or `..` is refused, as `rm` refuses it; name the folder by its own name"
        case .removingRoot: return "it is the root folder, which `remove` never removes"
        case .removingRunLog(let folder):
            return "it holds this run's event log (in \(folder)), which the run is still writing; remove what it holds instead, or log the run elsewhere with --events"
        case .fileInTheWay: return "a file (not a folder) is already there"
        case .folderNeedsRecursive: return "it is a folder; add `recursive: true` to remove it and all it holds"
        }
    }
}
