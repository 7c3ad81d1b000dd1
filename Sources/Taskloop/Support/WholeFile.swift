#if canImport(Glibc)
import Glibc
#endif

/// Reads a whole file with `open`, `fstat` and `read`. Blocking: for the
/// pipeline file before the loop starts, and the local cache's files on
/// the thread pool. (`Data(contentsOf:)` reads the same bytes through
/// Foundation's URL and file-handle layers.)
enum WholeFile {
    /// Why a read failed: the `errno` of the call.
    struct Failure: Error, Equatable {
        var code: Int32
    }

    static func read(_ path: String) -> Result<[UInt8], Failure> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(Failure(code: errno)) }
        defer { close(descriptor) }
        var status = stat()
        let expected = fstat(descriptor, &status) == 0 ? Int(status.st_size) : 0
        // One byte more than the size, so a file read whole ends with one
        // read of 0; a file that grows meanwhile is read to its end.
        var bytes = [UInt8](repeating: 0, count: max(expected + 1, 4096))
        var count = 0
        while true {
            if count == bytes.count { bytes += [UInt8](repeating: 0, count: bytes.count) }
            let read = bytes.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress! + count, $0.count - count) }
            if read < 0 {
                if errno == EINTR { continue }
                return .failure(Failure(code: errno))
            }
            if read == 0 { break }
            count += read
        }
        bytes.removeSubrange(count...)
        return .success(bytes)
    }
}
