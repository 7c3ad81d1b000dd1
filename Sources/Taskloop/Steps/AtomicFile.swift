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
    /// Writes `bytes` as the whole new content of `target`. The usual case
    /// (the folder exists) is one trip to NIO's thread pool: sweep the
    /// folder the first time, then create, write, close and rename, each a
    /// plain system call. Only a missing folder costs more trips (to create
    /// it). Failures are ``FileStepProblem``s.
    static func write(_ bytes: [UInt8], to target: String, fileSystem: FileSystem) async throws {
        let temporary = temporaryPath(for: target)
        let attempt = { @Sendable () throws -> Bool in
            StaleTemporaryFiles.sweepOnceBlocking(folderOf: target)
            return try writeBlocking(bytes, temporary: temporary, target: target)
        }
        if try await NIOThreadPool.singleton.runIfActive(attempt) { return }
        try await createParent(of: target, fileSystem: fileSystem)
        guard try await NIOThreadPool.singleton.runIfActive(attempt) else { throw FileStepProblem.missing }
    }

    /// Creates `temporary`, writes `bytes` into it and renames it over
    /// `target`; blocking. Returns false, having done nothing, when the
    /// folder does not exist. On a failure the temporary file is removed.
    private static func writeBlocking(_ bytes: [UInt8], temporary: String, target: String) throws -> Bool {
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            if errno == ENOENT { return false }
            throw FileStepProblem(errno: errno)
        }
        var failure = DescriptorWrite.all(bytes, to: descriptor).error ?? 0
        if close(descriptor) != 0, failure == 0, errno != EINTR { failure = errno }
        if failure == 0, Glibc.rename(temporary, target) != 0 { failure = errno }
        guard failure == 0 else {
            unlink(temporary)
            throw FileStepProblem(errno: failure)
        }
        return true
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
