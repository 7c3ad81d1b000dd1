import Crypto
#if canImport(Glibc)
import Glibc
#endif

/// SHA-256 of a file's bytes, read in 1 MiB chunks; lowercase hex.
/// Blocking: call it off the event loop.
enum ContentDigest {
    /// Nil when `path` cannot be read, or is not a regular file: a named
    /// pipe among the sources (whose `open` would wait for a writer) or a
    /// device has no content to fingerprint, and is refused as it is
    /// opened, never waited on.
    static func ofFile(_ path: String) -> String? {
        guard case .success(let file) = WholeFile.openRegular(path) else { return nil }
        let descriptor = file.descriptor
        defer { close(descriptor) }
        var hasher = SHA256()
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = read(descriptor, buffer.baseAddress, chunk)
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if count == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
        return hex(hasher.finalize())
    }

    static func of(_ text: String) -> String {
        hex(SHA256.hash(data: Array(text.utf8)))
    }

    static func of(bytes: [UInt8]) -> String {
        hex(SHA256.hash(data: bytes))
    }

    /// `digest` in lowercase hex, two digits a byte.
    static func hex(_ digest: some Sequence<UInt8>) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64)
        for byte in digest {
            bytes.append(hexDigits[Int(byte >> 4)])
            bytes.append(hexDigits[Int(byte & 0xF)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The lowercase hex digits, by value.
    static let hexDigits = Array("0123456789abcdef".utf8)
}
