import NIOFileSystem

/// Writes the CI reports after a run, through NIO's file system (its own
/// thread pool): never a blocking call on the caller's thread.
public enum ReportFile {
    /// Replaces `path` with `text` atomically (a temporary file beside it,
    /// renamed over it), creating its folder if needed: a reader sees the old
    /// file or the whole new one.
    public static func write(_ text: String, to path: String, what: String) async throws(ReportFileError) {
        try await write(Array(text.utf8), to: path, what: what)
    }

    /// Writes `bytes` to `path` as ``write(_:to:what:)`` writes text.
    public static func write(_ bytes: [UInt8], to path: String, what: String) async throws(ReportFileError) {
        do {
            try await AtomicFile.write(bytes, to: path, fileSystem: .shared)
        } catch {
            throw ReportFileError(what: what, path: path, cause: error)
        }
    }

    /// Adds `text` at the end of `path`, creating it if needed, and keeps what
    /// the file held: a blank line separates the two.
    public static func append(_ text: String, to path: String, what: String) async throws(ReportFileError) {
        do {
            // Opening a named pipe to write waits for a reader, maybe forever.
            if try await FileSystem.shared.info(forFileAt: FilePath(path))?.type == .fifo {
                throw ReportFileError(what: what, path: path, reason: "it is a named pipe (FIFO), whose writes wait for a reader")
            }
            try await FileSystem.shared.withFileHandle(
                forWritingAt: FilePath(path), options: .modifyFile(createIfNecessary: true)
            ) { handle in
                let end = try await handle.info().size
                let separated = end > 0 ? "\n" + text : text
                try await handle.write(contentsOf: separated.utf8, toAbsoluteOffset: end)
            }
        } catch let error as ReportFileError {
            throw error
        } catch {
            throw ReportFileError(what: what, path: path, cause: error)
        }
    }
}

/// A report that could not be written: which one, where, and why.
public struct ReportFileError: Error, CustomStringConvertible {
    /// `the JUnit report`, `the job summary`.
    public var what: String
    public var path: String
    public var reason: String

    init(what: String, path: String, reason: String) {
        self.what = what
        self.path = path
        self.reason = reason
    }

    init(what: String, path: String, cause: any Error) {
        self.what = what
        self.path = path
        if let error = cause as? FileSystemError {
            switch error.code {
            case .notFound: reason = "a folder on the path does not exist"
            case .permissionDenied: reason = "permission denied"
            case .fileAlreadyExists: reason = "something is in the way"
            default: reason = error.message.isEmpty ? "\(error.code)" : error.message
            }
        } else {
            reason = "\(cause)"
        }
    }

    public var description: String {
        "cannot write \(what) to \(path): \(reason); choose a path in a folder you can write to"
    }
}
