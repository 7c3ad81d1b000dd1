import NIOFileSystem
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// Writes that never leave a half-written target: the data goes to a
/// temporary file in the target's folder, which is then renamed over the
/// target (a single `rename(2)`). A failure or cancellation removes the
/// temporary file; the target is either the old file or the complete new one.
enum AtomicFile {
    static func write(_ bytes: [UInt8], to target: String, fileSystem: FileSystem) async throws {
        try await replace(target, fileSystem: fileSystem) { temporary in
            try await fileSystem.withFileHandle(
                forWritingAt: FilePath(temporary), options: .newFile(replaceExisting: false)
            ) { handle in
                _ = try await handle.write(contentsOf: bytes, toAbsoluteOffset: 0)
            }
        }
    }

    /// Lets `produce` create the new item at a temporary path beside `target`,
    /// then moves it into place.
    static func replace(
        _ target: String, fileSystem: FileSystem, produce: (String) async throws -> Void
    ) async throws {
        try await createParent(of: target, fileSystem: fileSystem)
        let temporary = temporaryPath(for: target)
        do {
            try await produce(temporary)
            try await moveIntoPlace(temporary, target, fileSystem: fileSystem)
        } catch {
            // Runs even when the step was cancelled: the thread-pool call does
            // not check for cancellation, so the temporary file is removed.
            _ = try? await fileSystem.removeItem(at: FilePath(temporary), strategy: .platformDefault, recursively: true)
            throw error
        }
    }

    /// Renames `source` to `target` with one `rename(2)`, which replaces a
    /// file at `target` atomically. A folder replacing a folder cannot be
    /// renamed over it, so the old folder is first renamed aside and removed
    /// once the new one is in place. Throws ``FileStepProblem/system(_:)``
    /// with `EXDEV` when the two are on different file systems.
    static func moveIntoPlace(_ source: String, _ target: String, fileSystem: FileSystem) async throws {
        let code = await rename(source, target)
        switch code {
        case 0:
            return
        case ENOTEMPTY, EEXIST:
            let aside = temporaryPath(for: target)
            try FileStepProblem.check(await rename(target, aside))
            let placed = await rename(source, target)
            guard placed == 0 else {
                _ = await rename(aside, target)
                throw FileStepProblem.system(placed)
            }
            _ = try? await fileSystem.removeItem(at: FilePath(aside), strategy: .platformDefault, recursively: true)
        case EISDIR:
            throw FileStepProblem.folderInTheWay
        default:
            throw FileStepProblem.system(code)
        }
    }

    /// `rename(2)` on NIO's thread pool: 0, or the `errno` it failed with.
    private static func rename(_ source: String, _ target: String) async -> Int32 {
        do {
            return try await NIOThreadPool.singleton.runIfActive {
                Glibc.rename(source, target) == 0 ? 0 : errno
            }
        } catch {
            return ECANCELED
        }
    }

    static func createParent(of path: String, fileSystem: FileSystem) async throws {
        let parent = FilePath(path).removingLastComponent()
        guard !parent.isEmpty else { return }
        try await fileSystem.createDirectory(at: parent, withIntermediateDirectories: true)
    }

    /// `.name.taskloop-<random>` in the same folder, so the rename stays on one
    /// file system and therefore atomic.
    static func temporaryPath(for target: String) -> String {
        var path = FilePath(target)
        let name = path.lastComponent?.string ?? "file"
        path.removeLastComponent()
        let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        path.append(".\(name).taskloop-\(suffix)")
        return path.string
    }
}
