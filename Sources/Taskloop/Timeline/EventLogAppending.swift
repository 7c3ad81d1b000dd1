#if canImport(Glibc)
import Glibc
#endif

/// What makes an existing file safe to append a run's events to: it is an
/// event log, no other run writes to it, and it ends at a whole line.
/// Blocking calls: run them on the thread pool.
enum EventLogAppending {
    /// Takes the log's lock for as long as the descriptor is open, checks that
    /// a non-empty file starts with the format header, and cuts a partial last
    /// line. Returns the file's size after that.
    static func prepare(_ descriptor: CInt, path: String) throws(EventLogError) -> off_t {
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            throw errno == EWOULDBLOCK ? .inUse(path: path) : .cannotCreate(path: path, errno: errno)
        }
        let size = lseek(descriptor, 0, SEEK_END)
        guard size > 0 else { return max(size, 0) }
        let prefix = Array(#"{"format":"\#(EventLogFormat.name)","#.utf8)
        var start = [UInt8](repeating: 0, count: prefix.count)
        guard pread(descriptor, &start, start.count, 0) == start.count, start == prefix else {
            throw .notAnEventLogToAppendTo(path: path)
        }
        let end = lastLineEnd(descriptor, size: size)
        if end < size, ftruncate(descriptor, end) != 0 {
            throw .cannotCreate(path: path, errno: errno)
        }
        return end
    }

    /// The offset just after the file's last newline (0 when it has none).
    private static func lastLineEnd(_ descriptor: CInt, size: off_t) -> off_t {
        var end = size
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while end > 0 {
            let length = Int(min(off_t(buffer.count), end))
            let start = end - off_t(length)
            guard pread(descriptor, &buffer, length, start) == length else { return size }
            if let newline = buffer[..<length].lastIndex(of: UInt8(ascii: "\n")) {
                return start + off_t(newline) + 1
            }
            end = start
        }
        return 0
    }

    static func writeAll(_ bytes: [UInt8], to descriptor: CInt, path: String) throws(EventLogError) {
        if let error = DescriptorWrite.all(bytes, to: descriptor).error { throw .cannotCreate(path: path, errno: error) }
    }
}
