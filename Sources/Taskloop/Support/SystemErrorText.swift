import Foundation
import NIOFileSystem

#if canImport(Glibc)
import Glibc
#endif

/// The system's own words for a failed system call (`No space left on
/// device`, `Read-only file system`), found in the errors that wrap it, so
/// every write failure says what the kernel said instead of a generic
/// "could not write to file".
enum SystemErrorText {
    /// `strerror(code)`.
    static func describe(_ code: Int32) -> String {
        String(cString: strerror(code))
    }

    /// The `errno` behind `error`: of a NIO file system error (or one it
    /// wraps), or a Foundation error with an underlying POSIX error.
    static func errno(in error: any Error) -> Int32? {
        if let error = error as? FileSystemError {
            if let call = error.cause as? FileSystemError.SystemCallError { return call.errno.rawValue }
            return error.cause.flatMap { self.errno(in: $0) }
        }
        if let call = error as? FileSystemError.SystemCallError { return call.errno.rawValue }
        let error = error as NSError
        if error.domain == NSPOSIXErrorDomain { return Int32(error.code) }
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError { return self.errno(in: underlying) }
        return nil
    }

    /// The system's message when `error` carries an `errno`, else `fallback`.
    static func reason(_ error: any Error, fallback: String) -> String {
        errno(in: error).map(describe) ?? fallback
    }
}
