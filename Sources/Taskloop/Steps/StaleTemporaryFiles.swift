import Foundation
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Removes the temporary files (see ``TemporaryFileName``) that a killed
/// process left beside its targets. A file is stale, and removed, only when
///
/// - the process named in it is not alive (and is not this one), and
/// - it was last modified before this process first looked at the folder:
///   a file that is still being written is newer than that;
/// - and, for an old item moved aside, its target exists: otherwise the aside
///   copy is the only one left, and is kept.
///
/// Each folder is swept once per process, before the first atomic write into
/// it, so a run pays one listing per folder it writes to.
enum StaleTemporaryFiles {
    private static let swept = Mutex<Set<String>>([])
    /// The moment this process began looking: files modified later are not stale.
    private static let since = Date()

    /// Sweeps the folder of `target` on NIO's thread pool, the first time only.
    static func sweepOnce(folderOf target: String) async {
        let folder = folderKey(of: target)
        guard firstVisit(folder) else { return }
        let since = Self.since
        _ = try? await NIOThreadPool.singleton.runIfActive { sweep(folder, modifiedBefore: since) }
    }

    /// The same, blocking the calling thread (for worker processes, whose
    /// functions are synchronous).
    static func sweepOnceBlocking(folderOf target: String) {
        let folder = folderKey(of: target)
        guard firstVisit(folder) else { return }
        sweep(folder, modifiedBefore: since)
    }

    /// Removes the stale temporary files of `folder`; returns their names.
    @discardableResult
    static func sweep(_ folder: String, modifiedBefore since: Date) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        var removed: [String] = []
        for name in names {
            guard let temporary = TemporaryFileName(parsing: name), temporary.pid != getpid(), !isAlive(temporary.pid) else { continue }
            let path = folder + "/" + name
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                let modified = attributes[.modificationDate] as? Date, modified < since
            else { continue }
            if temporary.isAside, !FileManager.default.fileExists(atPath: folder + "/" + temporary.target) { continue }
            if (try? FileManager.default.removeItem(atPath: path)) != nil { removed.append(name) }
        }
        return removed
    }

    private static func folderKey(of target: String) -> String {
        let folder = (target as NSString).deletingLastPathComponent
        return folder.isEmpty ? "." : folder
    }

    private static func firstVisit(_ folder: String) -> Bool {
        swept.withLock { $0.insert(folder).inserted }
    }

    /// Whether a process with this id exists (EPERM: it does, owned by another user).
    static func isAlive(_ pid: pid_t) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }
}
