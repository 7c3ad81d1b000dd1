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
///
/// Lines are written sorted by the path's bytes, so a loaded file is not
/// turned into twenty thousand dictionary entries: loading indexes where
/// each line and its path start (one scan, no allocation per line), and a
/// lookup is a binary search that parses only the line it finds. Entries
/// recorded during the run go to a small dictionary that wins over the
/// file. A file out of order (written by hand, or by an older version with
/// other names) only makes some lookups miss, which costs a rehash.
struct StatCache: Sendable {
    struct Entry: Sendable, Hashable {
        var stat: FileStat
        var digest: String
    }

    /// Where one line of the loaded file lies: its start, its path's start, its end.
    private struct Line: Sendable {
        var start: Int
        var path: Int
        var end: Int
    }

    static let header = "# taskloop stat cache v1"

    /// The loaded file, and its lines in path order.
    private var file: [UInt8] = []
    private var lines: [Line] = []
    /// Entries recorded since loading: they win over the file's.
    private var recorded: [String: Entry] = [:]
    /// Entries with an mtime at or after this (ns) are racy: not trusted.
    private(set) var trustedBefore: Int64 = .min
    /// Whether anything was added or changed since loading.
    private(set) var isDirty = false

    init() {}

    init(entries: [String: Entry], trustedBefore: Int64) {
        recorded = entries
        self.trustedBefore = trustedBefore
    }

    /// Every entry (the file's, then those recorded since): for saving, `cache stats` and tests.
    var entries: [String: Entry] {
        var all: [String: Entry] = [:]
        all.reserveCapacity(lines.count + recorded.count)
        file.withUnsafeBufferPointer { bytes in
            for line in lines {
                all[String(decoding: UnsafeBufferPointer(rebasing: bytes[line.path..<line.end]), as: UTF8.self)] = Self.entry(line, in: bytes)
            }
        }
        all.merge(recorded) { _, new in new }
        return all
    }

    /// The recorded digest of `path`, when its stat matches and the entry is not racy.
    func digest(of path: String, stat: FileStat) -> String? {
        guard stat.modified < trustedBefore, let entry = entry(of: path), entry.stat.sameContentIdentity(as: stat) else { return nil }
        return entry.digest
    }

    mutating func record(_ path: String, stat: FileStat, digest: String) {
        if let known = entry(of: path), known.digest == digest, known.stat.sameContentIdentity(as: stat) {
            // Hashed again because it was racy: saving moves the trust line past it.
            if stat.modified >= trustedBefore { isDirty = true }
            return
        }
        recorded[path] = Entry(stat: stat, digest: digest)
        isDirty = true
    }

    /// The entry of `path`: recorded in this run, or found in the file.
    private func entry(of path: String) -> Entry? {
        if !recorded.isEmpty, let entry = recorded[path] { return entry }
        guard !lines.isEmpty else { return nil }
        var path = path
        return path.withUTF8 { wanted in
            file.withUnsafeBufferPointer { bytes -> Entry? in
                var low = 0
                var high = lines.count
                while low < high {
                    let middle = (low + high) / 2
                    let line = lines[middle]
                    let candidate = UnsafeBufferPointer(rebasing: bytes[line.path..<line.end])
                    if FileWalker.precedes(candidate, wanted) {
                        low = middle + 1
                    } else if FileWalker.precedes(wanted, candidate) {
                        high = middle
                    } else {
                        return Self.entry(line, in: bytes)
                    }
                }
                return nil
            }
        }
    }

    /// Parses one indexed line: five numbers, then the digest before the path.
    private static func entry(_ line: Line, in bytes: UnsafeBufferPointer<UInt8>) -> Entry {
        var fields: (Int64, Int64, Int64, Int64, Int64) = (0, 0, 0, 0, 0)
        var index = line.start
        for field in 0..<5 {
            var value: Int64 = 0
            var negative = false
            if bytes[index] == UInt8(ascii: "-") {
                negative = true
                index += 1
            }
            while bytes[index] != UInt8(ascii: " ") {
                value = value &* 10 &+ Int64(bytes[index] &- UInt8(ascii: "0"))
                index += 1
            }
            index += 1
            if negative { value = -value }
            switch field {
            case 0: fields.0 = value
            case 1: fields.1 = value
            case 2: fields.2 = value
            case 3: fields.3 = value
            default: fields.4 = value
            }
        }
        let digest = String(decoding: UnsafeBufferPointer(rebasing: bytes[(line.path - 65)..<(line.path - 1)]), as: UTF8.self)
        return Entry(
            stat: FileStat(
                device: UInt64(bitPattern: fields.0), inode: UInt64(bitPattern: fields.1), size: fields.2,
                modified: fields.3, changed: fields.4),
            digest: digest)
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

    /// Indexes the text form in one pass: where each well-formed line
    /// (five numbers, a 64-character digest, a path) starts, where its path
    /// starts, and where it ends.
    static func parse(_ bytes: [UInt8], trustedBefore: Int64) -> StatCache {
        var lines: [Line] = []
        let valid = bytes.withUnsafeBufferPointer { buffer -> Bool in
            let newline = UInt8(ascii: "\n"), space = UInt8(ascii: " ")
            func lineEnd(from start: Int) -> Int {
                guard start < buffer.count, let base = buffer.baseAddress,
                    let found = memchr(base + start, Int32(newline), buffer.count - start)
                else { return buffer.count }
                return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            }
            let headerEnd = lineEnd(from: 0)
            guard String(decoding: UnsafeBufferPointer(rebasing: buffer[0..<headerEnd]), as: UTF8.self) == header else { return false }
            lines.reserveCapacity(buffer.count / 100)
            var start = headerEnd + 1
            while start < buffer.count {
                let end = lineEnd(from: start)
                defer { start = end + 1 }
                // Five numbers (digits, a leading `-` allowed), each ended by a space.
                var index = start
                var numbers = 0
                while numbers < 5, index < end {
                    let first = index
                    if buffer[index] == UInt8(ascii: "-") { index += 1 }
                    while index < end, buffer[index] >= UInt8(ascii: "0"), buffer[index] <= UInt8(ascii: "9") { index += 1 }
                    guard index < end, buffer[index] == space, index > first else { break }
                    index += 1
                    numbers += 1
                }
                // Then the digest, a space, and a path of at least one byte.
                guard numbers == 5, index + 65 < end, buffer[index + 64] == space else { continue }
                lines.append(Line(start: start, path: index + 65, end: end))
            }
            return true
        }
        guard valid else { return StatCache() }
        var cache = StatCache()
        cache.file = bytes
        cache.lines = lines
        cache.trustedBefore = trustedBefore
        return cache
    }

    /// The text form, lines sorted by the path's bytes (what lookups search by).
    func serialized() -> [UInt8] {
        var text = Self.header + "\n"
        let all = entries
        text.reserveCapacity(all.count * 120)
        for (path, entry) in FileWalker.sortedByBytes(Array(all), of: \.key) where !path.contains("\n") && !path.isEmpty {
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
