#if canImport(Glibc)
import Glibc
#endif

/// Reads a whole regular file with `open`, `fstat` and `read`. Blocking:
/// for the pipeline file before the loop starts, and on the thread pool
/// (a `file: { read: }` step, a shell step's `$TASKLOOP_OUTPUT`, the local
/// cache's files).
///
/// It never waits for anything but the disk: the file is opened
/// non-blocking and without becoming a controlling terminal, and whatever
/// is not a regular file (a named pipe, whose `open` for reading would wait
/// for a writer; a device that may never end; a folder) is refused as
/// opened, so what is checked is what would have been read. Readers that
/// stream a file instead (its digest, the cache's copy) open it through
/// ``openRegular(_:)`` for the same guarantee.
enum WholeFile {
    /// Why a read failed.
    enum Failure: Error, Equatable {
        /// The `errno` of `open`, `fstat` or `read` (`ENOENT`: nothing there).
        case system(Int32)
        case folder
        /// A named pipe, a device or a socket, in words (``FileReadFailure/kind(of:)``).
        case special(String)
        /// The file holds more bytes than the limit.
        case tooLarge

        /// An `errno` that says it, for reports made of `errno` values.
        var code: Int32 {
            switch self {
            case .system(let code): return code
            case .folder: return EISDIR
            case .special: return ENODEV
            case .tooLarge: return EFBIG
            }
        }
    }

    /// Opens the regular file at `path` to read, never waiting (see above):
    /// its descriptor, which the caller closes, and its status.
    static func openRegular(_ path: String) -> Result<(descriptor: CInt, status: stat), Failure> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard descriptor >= 0 else { return .failure(.system(errno)) }
        var status = stat()
        let failure: Failure
        if fstat(descriptor, &status) != 0 {
            failure = .system(errno)
        } else if (status.st_mode & S_IFMT) == S_IFDIR {
            failure = .folder
        } else if let kind = FileReadFailure.kind(of: status.st_mode) {
            failure = .special(kind)
        } else {
            return .success((descriptor, status))
        }
        close(descriptor)
        return .failure(failure)
    }

    static func read(_ path: String, limit: Int = .max) -> Result<[UInt8], Failure> {
        let descriptor: CInt
        let status: stat
        switch openRegular(path) {
        case .success(let file): (descriptor, status) = file
        case .failure(let failure): return .failure(failure)
        }
        defer { close(descriptor) }
        // O_NONBLOCK changes nothing for a regular file's reads.
        // One byte more than the size, so a file read whole ends with one
        // read of 0; a file that grows meanwhile is read to its end.
        let expected = Int(status.st_size)
        if expected > limit { return .failure(.tooLarge) }
        var bytes = [UInt8](repeating: 0, count: max(expected + 1, 4096))
        var count = 0
        while true {
            if count == bytes.count { bytes += [UInt8](repeating: 0, count: bytes.count) }
            let read = bytes.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress! + count, $0.count - count) }
            if read < 0 {
                if errno == EINTR { continue }
                return .failure(.system(errno))
            }
            if read == 0 { break }
            count += read
            if count > limit { return .failure(.tooLarge) }
        }
        bytes.removeSubrange(count...)
        return .success(bytes)
    }
}
