import NIOFileSystem

/// Copies a file or a folder in steps that each check for cancellation, so a
/// step that times out or is cancelled stops within one chunk (8 MiB) instead
/// of finishing a copy of gigabytes first. Files are read and written in
/// chunks through NIO's file system API (its thread pool), keeping their
/// permissions; a folder is copied entry by entry, its symbolic links as links.
/// The caller removes a partial copy (see ``AtomicFile/replace(_:fileSystem:produce:)``).
enum ItemCopy {
    static let chunkLength: ByteCount = .mebibytes(8)

    /// Copies `source` to `target`, which must not exist. A symbolic link at
    /// the top is followed (as `cp` does) unless `followingLink` is false (a
    /// move, which moves the link itself, as `mv` does).
    static func copy(_ source: FilePath, to target: FilePath, followingLink: Bool = true, fileSystem: FileSystem) async throws {
        guard let info = try await fileSystem.info(forFileAt: source, infoAboutSymbolicLink: !followingLink) else {
            throw FileStepProblem.missing
        }
        try await copy(source, info: info, to: target, fileSystem: fileSystem)
    }

    private static func copy(_ source: FilePath, info: FileInfo, to target: FilePath, fileSystem: FileSystem) async throws {
        try Task.checkCancellation()
        switch info.type {
        case .regular:
            try await copyFile(source, size: info.size, permissions: info.permissions, to: target, fileSystem: fileSystem)
        case .directory:
            // Writable while it fills; its own permissions come last (a read-only folder too).
            try await fileSystem.createDirectory(at: target, withIntermediateDirectories: false, permissions: [.ownerReadWriteExecute])
            let entries = try await fileSystem.withDirectoryHandle(atPath: source) { folder in
                var entries: [DirectoryEntry] = []
                for try await entry in folder.listContents() { entries.append(entry) }
                return entries
            }
            for entry in entries {
                guard let entryInfo = try await fileSystem.info(forFileAt: entry.path, infoAboutSymbolicLink: true) else { continue }
                try await copy(entry.path, info: entryInfo, to: target.appending(entry.name), fileSystem: fileSystem)
            }
            try await fileSystem.withDirectoryHandle(atPath: target) { folder in
                try await folder.replacePermissions(info.permissions)
            }
        case .symlink:
            let destination = try await fileSystem.destinationOfSymbolicLink(at: source)
            try await fileSystem.createSymbolicLink(at: target, withDestination: destination)
        default:
            throw FileStepProblem.notCopyable(source.string)
        }
    }

    private static func copyFile(
        _ source: FilePath, size: Int64, permissions: FilePermissions, to target: FilePath, fileSystem: FileSystem
    ) async throws {
        try await fileSystem.withFileHandle(forReadingAt: source) { input in
            try await fileSystem.withFileHandle(
                forWritingAt: target, options: .newFile(replaceExisting: false, permissions: permissions)
            ) { output in
                var offset: Int64 = 0
                while true {
                    // Each read is one thread-pool call, which throws once the task is cancelled.
                    try Task.checkCancellation()
                    let chunk = try await input.readChunk(fromAbsoluteOffset: offset, length: chunkLength)
                    if chunk.readableBytes == 0 { break }
                    try await output.write(contentsOf: chunk.readableBytesView, toAbsoluteOffset: offset)
                    offset += Int64(chunk.readableBytes)
                }
            }
        }
    }
}
