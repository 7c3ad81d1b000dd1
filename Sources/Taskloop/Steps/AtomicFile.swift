import NIOFileSystem
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// Writes that never leave a half-written target: the data goes to a
/// temporary file in the target's folder, which is then renamed over the
/// target (a single `rename(2)`). A failure or cancellation removes the
/// temporary file; the target is either the old file or the complete new one.
/// A temporary file left by a process that was killed (`kill -9`) is removed
/// by a later run that writes into the same folder (see ``TemporaryFileName``).
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
        await StaleTemporaryFiles.sweepOnce(folderOf: target)
        let temporary = temporaryPath(for: target)
        do {
            try await produce(temporary)
            try await moveIntoPlace(temporary, target, fileSystem: fileSystem)
        } catch {
            await removeEvenIfCancelled(temporary)
            throw error
        }
    }

    /// Removes `path` (a file or a whole folder), also when the calling task
    /// is cancelled: a cancelled task's thread-pool calls are themselves
    /// cancelled before they run, which would leave the file behind.
    static func removeEvenIfCancelled(_ path: String) async {
        // An unstructured task does not inherit the caller's cancellation; it
        // is awaited at once, so it never outlives this call.
        await Task {
            _ = try? await FileSystem.shared.removeItem(at: FilePath(path), strategy: .platformDefault, recursively: true)
        }.value
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
            let aside = TemporaryFileName.asidePath(for: target)
            try FileStepProblem.check(await rename(target, aside))
            let placed = await rename(source, target)
            guard placed == 0 else {
                _ = await rename(aside, target)
                throw FileStepProblem.system(placed)
            }
            await removeEvenIfCancelled(aside)
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

    /// A new temporary path beside `target` (see ``TemporaryFileName``), so
    /// the rename stays on one file system and therefore atomic.
    static func temporaryPath(for target: String) -> String {
        TemporaryFileName.newPath(for: target)
    }
}
