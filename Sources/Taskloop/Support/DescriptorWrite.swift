#if canImport(Glibc)
import Glibc
#endif

/// The one loop that writes a whole buffer to a descriptor with blocking
/// `write(2)` calls (call it off the event loop): short writes are
/// continued and EINTR retried.
enum DescriptorWrite {
    /// Writes all of `bytes`; returns how many were written, and the errno
    /// of the call that failed, if one did.
    static func all(_ bytes: [UInt8], to descriptor: CInt) -> (written: Int, error: CInt?) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                return (offset, errno)
            }
            offset += written
        }
        return (offset, nil)
    }
}
