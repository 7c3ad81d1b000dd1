import Crypto

#if canImport(Glibc)
import Glibc
#endif

/// What went wrong in the local cache or a step's record, with the path.
package struct CacheStoreError: Error, Sendable, CustomStringConvertible {
    var path: String
    var operation: String
    var code: Int32
    /// A copy's bytes did not hash to the digest they are stored under.
    var isDamagedCopy = false

    init(_ operation: String, _ path: String, code: Int32 = errno) {
        self.operation = operation
        self.path = path
        self.code = code
    }

    /// The cache's copy of `path` no longer hashes to its digest.
    static func damagedCopy(of path: String) -> CacheStoreError {
        var error = CacheStoreError("restore", path, code: EIO)
        error.isDamagedCopy = true
        return error
    }

    package var description: String {
        if isDamagedCopy {
            return "cannot restore \(path): the cache's copy is damaged (its content no longer matches its digest), and was removed from the cache"
        }
        return "cannot \(operation) \(path): \(String(cString: strerror(code)))"
    }
}

/// Synchronous file writes for the cache, which runs on NIO's thread pool
/// inside one blocking job: the bytes go to a temporary file beside the
/// target (unique per process and call), then one `rename(2)` puts it in
/// place, so a reader sees the old file or the whole new one, and two
/// processes writing the same entry never mix their bytes.
enum AtomicWrite {
    static func write(_ bytes: [UInt8], to target: String, mode: mode_t = 0o644) throws(CacheStoreError) {
        try makeFolders(parentOf: target)
        let temporary = temporaryPath(beside: target)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw CacheStoreError("create", temporary) }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + written, $0.count - written) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else {
                let code = errno
                close(descriptor)
                unlink(temporary)
                throw CacheStoreError("write", temporary, code: code)
            }
            written += count
        }
        close(descriptor)
        guard rename(temporary, target) == 0 else {
            let code = errno
            unlink(temporary)
            throw CacheStoreError("rename into", target, code: code)
        }
    }

    /// Copies the file `source` to `target` the same way (temporary, rename),
    /// keeping the executable bit as asked. With `digest` (SHA-256, hex), the
    /// bytes are hashed as they are copied, and a copy that does not match
    /// never reaches `target` (``CacheStoreError/damagedCopy(of:)``).
    static func copy(_ source: String, to target: String, executable: Bool, digest: String? = nil) throws(CacheStoreError) {
        // A named pipe or a device in the source's place is refused, never
        // waited on or read without end.
        let input: CInt
        switch WholeFile.openRegular(source) {
        case .success(let file): input = file.descriptor
        case .failure(let failure): throw CacheStoreError("open", source, code: failure.code)
        }
        defer { close(input) }
        try makeFolders(parentOf: target)
        let temporary = temporaryPath(beside: target)
        let output = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, executable ? 0o755 : 0o644)
        guard output >= 0 else { throw CacheStoreError("create", temporary) }
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        func fail(_ operation: String, _ path: String) -> CacheStoreError {
            let error = CacheStoreError(operation, path)
            close(output)
            unlink(temporary)
            return error
        }
        var hasher = digest.map { _ in SHA256() }
        while true {
            let count = Glibc.read(input, buffer.baseAddress, chunk)
            if count < 0, errno == EINTR { continue }
            if count < 0 { throw fail("read", source) }
            if count == 0 { break }
            hasher?.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            var offset = 0
            while offset < count {
                let done = Glibc.write(output, buffer.baseAddress! + offset, count - offset)
                if done < 0, errno == EINTR { continue }
                if done <= 0 { throw fail("write", temporary) }
                offset += done
            }
        }
        if let digest, let hasher, ContentDigest.hex(hasher.finalize()) != digest {
            close(output)
            unlink(temporary)
            throw .damagedCopy(of: target)
        }
        if executable { fchmod(output, 0o755) }
        close(output)
        guard rename(temporary, target) == 0 else { throw fail("rename into", target) }
    }

    /// Creates the folders above `path` that are missing.
    static func makeFolders(parentOf path: String) throws(CacheStoreError) {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return }
        try makeFolders(String(path[..<slash]))
    }

    static func makeFolders(_ folder: String) throws(CacheStoreError) {
        var info = stat()
        if stat(folder, &info) == 0 { return }
        try makeFolders(parentOf: folder)
        if mkdir(folder, 0o755) != 0, errno != EEXIST { throw CacheStoreError("create the folder", folder) }
    }

    private static func temporaryPath(beside target: String) -> String {
        "\(target).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }
}
