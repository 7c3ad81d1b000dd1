#if canImport(Glibc)
import Glibc
#endif

/// Remembers each file's digest with its ``FileStat``, so that a file whose
/// device, inode, size, mtime and ctime are unchanged is not read again.
///
/// The racy-timestamp rule (git's "racily clean" entries): a file changed in
/// the same timestamp tick as the moment its digest was recorded can look
/// unchanged. So an entry is trusted only when the file's mtime is strictly
/// older than the cache file itself (written after the digest was taken, by
/// the same file system clock); a newer entry is hashed again.
///
/// Stored as `.taskloop/cache/stat-cache`, one text line per file
/// (`device inode size mtime-ns ctime-ns sha256 path`) under a version line,
/// written to a temporary file and renamed into place: two runs on one
/// folder never leave it half-written, and the last writer wins (losing the
/// other's entries costs only a rehash).
struct StatCache: Sendable {
    struct Entry: Sendable, Hashable {
        var stat: FileStat
        var digest: String
    }

    static let header = "# taskloop stat cache v1"

    private(set) var entries: [String: Entry] = [:]
    /// Entries with an mtime at or after this (ns) are racy: not trusted.
    private(set) var trustedBefore: Int64 = .min
    /// Whether anything was added or changed since loading.
    private(set) var isDirty = false

    init() {}

    init(entries: [String: Entry], trustedBefore: Int64) {
        self.entries = entries
        self.trustedBefore = trustedBefore
    }

    /// The recorded digest of `path`, when its stat matches and the entry is not racy.
    func digest(of path: String, stat: FileStat) -> String? {
        guard let entry = entries[path], entry.stat.sameContentIdentity(as: stat), stat.modified < trustedBefore else { return nil }
        return entry.digest
    }

    mutating func record(_ path: String, stat: FileStat, digest: String) {
        let entry = Entry(stat: stat, digest: digest)
        if entries[path] != entry {
            entries[path] = entry
            isDirty = true
        } else if stat.modified >= trustedBefore {
            // Hashed again because it was racy: saving moves the trust line past it.
            isDirty = true
        }
    }

    /// Reads the cache at `path`; an absent or unreadable one is empty
    /// (it is only a cache). Blocking.
    static func load(from path: String) -> StatCache {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return StatCache() }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return StatCache() }
        let fileStat = FileStat(info)
        let size = Int(fileStat.size)
        var complete = true
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            var filled = 0
            while filled < size {
                let count = read(descriptor, buffer.baseAddress! + filled, size - filled)
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { break }
                filled += count
            }
            complete = filled == size
            initialized = filled
        }
        guard complete else { return StatCache() }
        return parse(bytes, trustedBefore: fileStat.modified)
    }

    /// Parses the text form in one pass over the bytes (no line or field
    /// arrays): a run's first work is this, for every file it ever hashed.
    static func parse(_ bytes: [UInt8], trustedBefore: Int64) -> StatCache {
        bytes.withUnsafeBufferPointer { buffer -> StatCache in
            let newline = UInt8(ascii: "\n"), space = UInt8(ascii: " ")
            func lineEnd(from start: Int) -> Int {
                guard start < buffer.count, let base = buffer.baseAddress,
                    let found = memchr(base + start, Int32(newline), buffer.count - start)
                else { return buffer.count }
                return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            }
            let headerEnd = lineEnd(from: 0)
            guard String(decoding: UnsafeBufferPointer(rebasing: buffer[0..<headerEnd]), as: UTF8.self) == header else { return StatCache() }
            var entries: [String: Entry] = [:]
            entries.reserveCapacity(buffer.count / 110)
            var start = headerEnd + 1
            while start < buffer.count {
                let end = lineEnd(from: start)
                defer { start = end + 1 }
                // Five numbers, the digest, then the path (which may hold spaces).
                var fields: (Int64, Int64, Int64, Int64, Int64) = (0, 0, 0, 0, 0)
                var index = start
                var count = 0
                while count < 5, index < end {
                    var value: Int64 = 0
                    var negative = false
                    if buffer[index] == UInt8(ascii: "-") {
                        negative = true
                        index += 1
                    }
                    while index < end, buffer[index] != space {
                        value = value &* 10 &+ Int64(buffer[index] &- UInt8(ascii: "0"))
                        index += 1
                    }
                    if negative { value = -value }
                    switch count {
                    case 0: fields.0 = value
                    case 1: fields.1 = value
                    case 2: fields.2 = value
                    case 3: fields.3 = value
                    default: fields.4 = value
                    }
                    count += 1
                    index += 1
                }
                guard count == 5, index + 65 <= end else { continue }
                let digest = String(decoding: UnsafeBufferPointer(rebasing: buffer[index..<(index + 64)]), as: UTF8.self)
                let path = String(decoding: UnsafeBufferPointer(rebasing: buffer[(index + 65)..<end]), as: UTF8.self)
                let stat = FileStat(
                    device: UInt64(bitPattern: fields.0), inode: UInt64(bitPattern: fields.1), size: fields.2,
                    modified: fields.3, changed: fields.4)
                entries[path] = Entry(stat: stat, digest: digest)
            }
            return StatCache(entries: entries, trustedBefore: trustedBefore)
        }
    }

    func serialized() -> [UInt8] {
        var text = Self.header + "\n"
        text.reserveCapacity(entries.count * 120)
        for (path, entry) in entries.sorted(by: { $0.key < $1.key }) where !path.contains("\n") {
            let stat = entry.stat
            text += "\(Int64(bitPattern: stat.device)) \(Int64(bitPattern: stat.inode)) \(stat.size) \(stat.modified) \(stat.changed) \(entry.digest) \(path)\n"
        }
        return Array(text.utf8)
    }

    /// Writes the cache atomically (temporary file, then rename). Blocking.
    func save(to path: String) throws(CacheStoreError) {
        try AtomicWrite.write(serialized(), to: path)
    }
}
