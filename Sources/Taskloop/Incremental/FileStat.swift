#if canImport(Glibc)
import Glibc
#endif

/// What `stat(2)` says of a file, as far as telling whether its content may
/// have changed: the stat cache trusts a digest only while all of these are
/// the same (git's index does the same).
struct FileStat: Sendable, Hashable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    /// Modification and status-change times, in nanoseconds since 1970.
    var modified: Int64
    var changed: Int64
    var isExecutable: Bool
    var isDirectory: Bool

    init(device: UInt64, inode: UInt64, size: Int64, modified: Int64, changed: Int64, isExecutable: Bool = false, isDirectory: Bool = false) {
        self.device = device
        self.inode = inode
        self.size = size
        self.modified = modified
        self.changed = changed
        self.isExecutable = isExecutable
        self.isDirectory = isDirectory
    }

    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        changed = Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec)
        isExecutable = info.st_mode & 0o111 != 0
        isDirectory = (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// `stat(2)` of `path` (links followed); nil when there is nothing there.
    /// Blocking: call it off the event loop.
    static func of(_ path: String) -> FileStat? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return FileStat(info)
    }

    /// The fields the stat cache compares (not the mode bits).
    func sameContentIdentity(as other: FileStat) -> Bool {
        device == other.device && inode == other.inode && size == other.size
            && modified == other.modified && changed == other.changed
    }
}
