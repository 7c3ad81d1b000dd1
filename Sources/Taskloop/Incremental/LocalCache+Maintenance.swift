import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `taskloop cache stats` and `taskloop cache prune`: what the cache of a
/// folder holds, and shrinking it to a size, least recently used first.
package struct CacheStatistics: Sendable, Hashable {
    package var blobs = 0
    package var blobBytes: Int64 = 0
    package var actions = 0
    package var stepRecords = 0
    package var statEntries = 0
    package var totalBytes: Int64 = 0
}

extension LocalCache {
    /// The cache of the folder `path` (a pipeline file's folder, or the
    /// folder of the file `path`).
    package static func forPath(_ path: String) -> LocalCache {
        var isFolder: ObjCBool = false
        let folder = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue
            ? path : PipelineLoader.directory(of: path)
        return LocalCache(pipelineDirectory: PipelineRunner.absolute(folder))
    }

    package var exists: Bool { access(folder, F_OK) == 0 }
    package var location: String { folder }

    /// Blocking.
    package func statistics() -> CacheStatistics {
        var statistics = CacheStatistics()
        for file in files(under: "cas") {
            statistics.blobs += 1
            statistics.blobBytes += file.size
        }
        let actions = files(under: "ac")
        statistics.actions = actions.count
        let records = files(under: "steps")
        statistics.stepRecords = records.filter { $0.path.hasSuffix(".json") }.count
        statistics.statEntries = StatCache.load(from: statCachePath).entries.count
        let statCacheBytes = FileStat.of(statCachePath)?.size ?? 0
        statistics.totalBytes = statistics.blobBytes + actions.reduce(0) { $0 + $1.size } + records.reduce(0) { $0 + $1.size } + statCacheBytes
        return statistics
    }

    /// Removes blobs, least recently used first (by mtime, which a restore
    /// refreshes), until the content store holds at most `maxBytes`; then the
    /// action results that lost a blob. Takes the cache's lock alone, so it
    /// waits for running runs (`waiting` is called once if it must).
    /// Returns what was removed. Blocking.
    package func prune(maxBytes: Int64, waiting: () -> Void) throws(CacheStoreError) -> (blobs: Int, bytes: Int64, actions: Int) {
        var descriptor = try lock(exclusive: true, wait: false)
        if descriptor == nil {
            waiting()
            descriptor = try lock(exclusive: true, wait: true)
        }
        defer { if let descriptor { close(descriptor) } }
        var blobs = files(under: "cas").sorted { $0.modified < $1.modified }
        var total = blobs.reduce(0) { $0 + $1.size }
        var removed = (blobs: 0, bytes: Int64(0), actions: 0)
        while total > maxBytes, !blobs.isEmpty {
            let oldest = blobs.removeFirst()
            if unlink(oldest.path) == 0 {
                total -= oldest.size
                removed.blobs += 1
                removed.bytes += oldest.size
            }
        }
        if removed.blobs > 0 {
            for action in files(under: "ac") {
                guard let bytes = try? WholeFile.read(action.path).get(),
                    let result = try? JSONDecoder().decode(ActionResult.self, from: Data(bytes)),
                    !isComplete(result)
                else { continue }
                if unlink(action.path) == 0 { removed.actions += 1 }
            }
        }
        return removed
    }

    /// Marks a result and its blobs as just used, for `prune`'s order.
    func touch(_ result: ActionResult, key: String) {
        utimes(actionPath(key), nil)
        for file in result.outputFiles { utimes(blobPath(file.digest.hash), nil) }
    }

    private struct StoredFile {
        var path: String
        var size: Int64
        var modified: Int64
    }

    /// Every file under `subfolder` of the cache (temporary files included: a prune removes them too).
    private func files(under subfolder: String) -> [StoredFile] {
        let base = folder + "/" + subfolder
        guard let enumerator = FileManager.default.enumerator(atPath: base) else { return [] }
        var result: [StoredFile] = []
        while let relative = enumerator.nextObject() as? String {
            let path = base + "/" + relative
            guard let stat = FileStat.of(path), !stat.isDirectory else { continue }
            result.append(StoredFile(path: path, size: stat.size, modified: stat.modified))
        }
        return result
    }
}
