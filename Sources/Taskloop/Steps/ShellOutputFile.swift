import CTaskloopShims
import Foundation
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// A shell step's `$TASKLOOP_OUTPUT` for one attempt: made empty by
/// Taskloop just before the command starts, held open while it runs, and
/// taken once it has exited (read, and removed).
///
/// Most commands write nothing there, and for them the take needs no trip
/// to the thread pool, whose two hand-offs (a wake-up of a pool thread, and
/// of the loop again) cost more than the reading and removing: when
/// the command ran on this machine and the file is on a local file system,
/// an `fstat` of the open file (which reads the inode in memory and never
/// waits for a device or a server) says it is still there and empty, and
/// its removal joins a ``BatchedRemoval``. Otherwise (the command wrote
/// something, removed or replaced the file, ran on another node, or the
/// file is on a network file system, where only a fresh `open` sees
/// another node's writes), the file is read by its path on the pool.
///
/// Ownership: exactly one of ``take(limit:ranHere:threadPool:removal:)``,
/// ``discard(removal:)`` and ``remove()`` is called for each file made, and
/// closes it.
struct ShellOutputFile: Sendable {
    let path: String
    private let descriptor: CInt
    /// Whether `fstat` of the file never waits for I/O (see ``localFileSystems``).
    private let isOnLocalFileSystem: Bool

    /// Creates the empty file at `path` (truncating one that is there),
    /// making `folder` and the folders above it when they are missing (the
    /// first step of a run, or a run whose folder a command removed).
    /// Blocks: call it on the thread pool. Throws the system's reason.
    static func create(path: String, folder: String) throws(StepFailure) -> ShellOutputFile {
        var descriptor = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if descriptor < 0, errno == ENOENT {
            try createFolders(folder, forOutputFile: path)
            descriptor = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        }
        guard descriptor >= 0 else {
            let code = errno
            let reason = code == EMFILE ? OpenFileLimit.exhaustedMessage : SystemErrorText.describe(code)
            throw StepFailure("cannot create the output file \(path): \(reason)")
        }
        return ShellOutputFile(
            path: path, descriptor: descriptor,
            isOnLocalFileSystem: localFileSystems.contains(taskloop_file_system_type(descriptor)))
    }

    /// The text the command wrote, at most `limit` bytes of it, and the file
    /// removed: the values live on in the step's result (and, masked, in the
    /// event log), never in a stray file. A file the command removed reads
    /// as empty (no outputs), as `$GITHUB_OUTPUT` does. `ranHere`: the
    /// command ran on this machine (not on an executor's node). Call it on
    /// the step's event loop. Throws the system's reason or that the file is
    /// over `limit`.
    func take(limit: Int, ranHere: Bool, threadPool: NIOThreadPool, removal: BatchedRemoval) async throws -> String {
        if ranHere, isOnLocalFileSystem, isInPlaceAndEmpty() {
            close(descriptor)
            removal.remove(path)
            return ""
        }
        return try await Self.takeFile(at: path, closing: descriptor, limit: limit, threadPool: threadPool)
    }

    /// Closes the file and removes it at once (a command that could not
    /// start). Blocks: on the thread pool only.
    func remove() {
        close(descriptor)
        unlink(path)
    }

    /// Closes the file and queues its removal, unread (a cancelled step).
    func discard(removal: BatchedRemoval) {
        close(descriptor)
        removal.remove(path)
    }

    /// Whether the file Taskloop made is still linked and empty. A command
    /// that replaced it (`mv new "$TASKLOOP_OUTPUT"`) left this one unlinked,
    /// and the new one is read by its path.
    private func isInPlaceAndEmpty() -> Bool {
        var status = stat()
        return fstat(descriptor, &status) == 0 && status.st_nlink > 0 && status.st_size == 0
    }

    /// File systems whose metadata of an open file is in memory: `ext2`
    /// to `ext4`, XFS, Btrfs, tmpfs, ramfs, overlayfs, F2FS, ZFS, bcachefs
    /// (`linux/magic.h`). NFS, Lustre, GPFS, CIFS and the rest are not.
    private static let localFileSystems: Set<UInt32> = [
        0xEF53, 0x5846_5342, 0x9123_683E, 0x0102_1994, 0x8584_58F6, 0x794C_7630, 0xF2F5_2010, 0x2FC1_2FC1, 0xCA45_1A4E,
    ]

    /// Creates `folder` and the folders above it that are missing, for the
    /// output file at `path`. Blocks. Throws the system's reason.
    private static func createFolders(_ folder: String, forOutputFile path: String) throws(StepFailure) {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            let failure = SystemErrorText.errno(in: error) ?? EIO
            throw StepFailure("cannot create the output file \(path) (mkdir \(folder)): \(SystemErrorText.describe(failure))")
        }
    }

    /// One trip to the pool: closes `descriptor`, opens the file at `path`
    /// afresh, reads it and removes it. Whatever else the command left at
    /// the path (a FIFO, a link to a device, a folder) fails the step, never
    /// blocks it.
    private static func takeFile(at path: String, closing descriptor: CInt, limit: Int, threadPool: NIOThreadPool) async throws -> String {
        let read: Result<[UInt8], WholeFile.Failure>
        do {
            read = try await threadPool.runIfActive {
                close(descriptor)
                let read = WholeFile.read(path, limit: limit)
                // What is there goes, unless nothing was (a folder stays: unlink refuses it).
                if read != .failure(.system(ENOENT)) { unlink(path) }
                return read
            }
        } catch {
            // The pool is shutting down: the trip never ran.
            close(descriptor)
            throw error
        }
        let problem: String
        switch read {
        case .success(let bytes):
            return String(decoding: bytes, as: UTF8.self)
        case .failure(.system(ENOENT)):
            return ""
        case .failure(.system(let code)):
            problem = SystemErrorText.describe(code)
        case .failure(.folder):
            problem = "the command left a folder there, not a file; append `NAME=VALUE` lines to the file instead"
        case .failure(.special(let kind)):
            problem = "the command left \(kind) there, not a file; append `NAME=VALUE` lines to the file instead"
        case .failure(.tooLarge):
            problem = "it holds more than \(limit / 1024 / 1024) MiB; write large results to a file of your own and its path to $TASKLOOP_OUTPUT"
        }
        throw StepFailure("cannot read $TASKLOOP_OUTPUT (\(path)): \(problem)")
    }
}
