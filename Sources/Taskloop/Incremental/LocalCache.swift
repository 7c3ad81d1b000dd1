import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The folder `.taskloop/cache` beside a pipeline file:
///
///     cache/
///       cas/sha256/ab/abcd…      content store: blobs by the SHA-256 of their bytes
///       ac/sha256/12/1234…       action cache: an ActionResult (JSON) by step key
///       steps/<id-digest>.json   each step's last successful run here (StepRunRecord)
///       steps/<id-digest>.sources  its sources' digests, one `digest path` a line
///       stat-cache               file stats to digests (StatCache)
///       hmac-key                 a random key: secrets enter step keys only as HMACs
///       lock                     flock: runs share it, `cache prune` takes it alone
///
/// The content store and action cache follow the layout of Bazel's remote
/// execution records. Every file is written to a temporary name and renamed
/// into place, so concurrent runs never see half a file; entries are
/// content-addressed or keyed, so two runs writing one entry write the same.
/// All of it is blocking: call it from NIO's thread pool.
package struct LocalCache: Sendable {
    let folder: String

    init(folder: String) {
        self.folder = folder
    }

    /// `.taskloop/cache` beside the pipeline file in `pipelineDirectory`.
    init(pipelineDirectory: String) {
        self.init(folder: FileWalker.join(pipelineDirectory, ".taskloop/cache"))
    }

    var statCachePath: String { folder + "/stat-cache" }
    var lockPath: String { folder + "/lock" }

    func blobPath(_ hash: String) -> String { "\(folder)/cas/sha256/\(hash.prefix(2))/\(hash)" }
    func actionPath(_ key: String) -> String { "\(folder)/ac/sha256/\(key.prefix(2))/\(key)" }

    func recordPath(pipelineFile: String, step: StepID) -> String {
        "\(folder)/steps/\(ContentDigest.of(pipelineFile + "\0" + step.rawValue).prefix(32)).json"
    }

    // MARK: content store

    func hasBlob(_ hash: String) -> Bool { access(blobPath(hash), F_OK) == 0 }

    /// Copies the file at `path` (whose digest is `hash`) into the store, unless it is there.
    func storeBlob(from path: String, hash: String) throws(CacheStoreError) {
        guard !hasBlob(hash) else { return }
        try AtomicWrite.copy(path, to: blobPath(hash), executable: false)
    }

    // MARK: action cache

    func action(_ key: String) -> ActionResult? {
        guard let bytes = try? WholeFile.read(actionPath(key)).get() else { return nil }
        return try? JSONDecoder().decode(ActionResult.self, from: Data(bytes))
    }

    /// Whether every blob of `result` is in the store (a prune may have removed some).
    func isComplete(_ result: ActionResult) -> Bool {
        result.outputFiles.allSatisfy { hasBlob($0.digest.hash) }
    }

    func storeAction(_ result: ActionResult, key: String) throws(CacheStoreError) {
        try AtomicWrite.write(Array(Self.encode(result)), to: actionPath(key))
    }

    // MARK: step records

    func record(pipelineFile: String, step: StepID) -> StepRunRecord? {
        guard let bytes = try? WholeFile.read(recordPath(pipelineFile: pipelineFile, step: step)).get() else { return nil }
        return try? JSONDecoder().decode(StepRunRecord.self, from: Data(bytes))
    }

    func sources(pipelineFile: String, step: StepID) -> [SourceDigest]? {
        let path = recordPath(pipelineFile: pipelineFile, step: step).dropLast(5) + ".sources"
        guard let bytes = try? WholeFile.read(String(path)).get() else { return nil }
        return bytes.split(separator: UInt8(ascii: "\n")).compactMap { line in
            guard let space = line.firstIndex(of: UInt8(ascii: " ")) else { return nil }
            return SourceDigest(
                path: String(decoding: line[(space + 1)...], as: UTF8.self), digest: String(decoding: line[..<space], as: UTF8.self))
        }
    }

    /// Writes the sources first, then the record that points at their digest:
    /// a reader never finds a record whose sources file is older.
    func store(_ record: StepRunRecord, sources: [SourceDigest], pipelineFile: String) throws(CacheStoreError) {
        let path = recordPath(pipelineFile: pipelineFile, step: StepID(record.step))
        var text = ""
        for source in sources where !source.path.contains("\n") { text += "\(source.digest) \(source.path)\n" }
        try AtomicWrite.write(Array(text.utf8), to: String(path.dropLast(5)) + ".sources")
        try AtomicWrite.write(Array(Self.encode(record)), to: path)
    }

    static func encode(_ value: some Encodable) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Plain value types: encoding cannot fail.
        return (try? encoder.encode(value)) ?? Data("{}".utf8)
    }

    // MARK: keys for secrets

    /// The folder's HMAC key (32 random bytes, made on first use, mode 0600).
    func hmacKey() throws(CacheStoreError) -> [UInt8] {
        let path = folder + "/hmac-key"
        if let bytes = try? WholeFile.read(path).get(), bytes.count == 32 { return bytes }
        var key = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in key.indices { key[index] = UInt8.random(in: 0...255, using: &generator) }
        // Two runs racing here: the rename of one wins; read back what won.
        try AtomicWrite.write(key, to: path, mode: 0o600)
        return (try? WholeFile.read(path).get()) ?? key
    }

    // MARK: lock

    /// Takes the cache's lock (shared for a run, exclusive for a prune) and
    /// returns its descriptor; closing it releases the lock.
    func lock(exclusive: Bool, wait: Bool = true) throws(CacheStoreError) -> Int32? {
        try AtomicWrite.makeFolders(folder)
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw CacheStoreError("open", lockPath) }
        var operation = exclusive ? LOCK_EX : LOCK_SH
        if !wait { operation |= LOCK_NB }
        while flock(descriptor, operation) != 0 {
            let code = errno
            if code == EINTR { continue }
            close(descriptor)
            if code == EWOULDBLOCK { return nil }
            throw CacheStoreError("lock", lockPath, code: code)
        }
        return descriptor
    }
}
