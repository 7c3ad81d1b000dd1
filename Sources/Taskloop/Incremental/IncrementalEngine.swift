import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Decides, for each step with `sources:` or `generates:`, whether it must
/// run, and records what it produced; one per run, shared by its steps.
///
/// Every method is blocking (stat, read, hash, write): the scheduler calls
/// them on NIO's thread pool through ``IncrementalHook``, never on the loop.
/// The decision itself is ``UpToDateDecision``, a pure function; this type
/// gathers its inputs (the key, the stat-cached digests, the record, the
/// cache) and carries out its verdict.
package final class IncrementalEngine: Sendable {
    /// One step's evaluation: its key, what was recorded, and the verdict.
    struct Evaluation: Sendable {
        var step: StepID
        var key: StepKey?
        var verdict: UpToDateDecision.Verdict
        var previous: StepRunRecord?
        var cached: ActionResult?
        /// The step's folder, absolute.
        var folder: String
        /// For an http step with `save:` that would be up to date: the
        /// validators to ask its server with (a 304 keeps it up to date).
        var conditionalRequest: HTTPConditionalRequest?
    }

    private struct State: Sendable {
        /// Read on first use: the steps' first work, walking their folders,
        /// needs no digests, so the read overlaps with it.
        var statCache: StatCache?
        /// The output digest of each step that finished (or was up to date) in this run.
        var outputDigests: [StepID: String] = [:]
    }

    let pipeline: Pipeline
    let options: IncrementalOptions
    let cache: LocalCache
    /// Absolute: steps' folders resolve against it.
    let pipelineDirectory: String
    /// The pipeline file's identity: records are per file and step.
    let pipelineFile: String
    private let secrets: SecretHasher
    /// Whether a value was a secret, to keep outputs holding one out of records.
    private let masker: SecretMasker
    private let state: Mutex<State>
    /// The shared `flock` on the cache, held while the run lasts.
    private let lockDescriptor: Int32?

    /// Opens the cache of `pipeline`'s folder: takes its shared lock and
    /// reads the HMAC key (the stat cache is read when first needed). Blocking.
    package init(pipeline: Pipeline, options: IncrementalOptions, environment: [String: String]) throws(CacheStoreError) {
        self.pipeline = pipeline
        self.options = options
        pipelineDirectory = PipelineRunner.absolute(pipeline.directory)
        cache = LocalCache(pipelineDirectory: pipelineDirectory)
        pipelineFile = RunHistory.identity(ofFile: pipeline.file)
        lockDescriptor = try cache.lock(exclusive: false)
        let values = Dictionary(pipeline.secrets.compactMap { name in
            (pipeline.environment[name] ?? environment[name]).map { (name, $0) }
        }, uniquingKeysWith: { first, _ in first })
        secrets = SecretHasher(values: values, key: values.isEmpty ? [] : try cache.hmacKey())
        masker = SecretMasker(pipeline: pipeline, environment: environment)
        state = Mutex(State())
    }

    /// Saves the stat cache when it changed, and releases the lock. Blocking.
    package func close() {
        if let statCache = state.withLock({ $0.statCache }), statCache.isDirty { try? statCache.save(to: cache.statCachePath) }
        if let lockDescriptor { Glibc.close(lockDescriptor) }
    }

    /// Whether a run needs an engine: some step has `sources:` or `generates:`.
    package static func isNeeded(for pipeline: Pipeline) -> Bool {
        pipeline.steps.contains { $0.incremental.isIncremental }
    }

    // MARK: deciding

    /// Computes the step's key and decides. `resolved` is the step with its
    /// values filled in; `upstream` overrides the output digests of needs
    /// (for `why`, which runs nothing).
    func evaluate(_ step: Step, resolved: Step, upstream override: [StepID: String]? = nil) -> Evaluation {
        let folder = StepContext.resolve(resolved.workingDirectory ?? "", against: pipelineDirectory)
        let settings = step.incremental
        guard let patterns = settings.sources else {
            return Evaluation(step: step.id, key: nil, verdict: .run(reason: "no sources: always runs"), folder: folder)
        }
        let sources = digests(of: patterns, in: folder)
        let known = override ?? state.withLock { $0.outputDigests }
        let upstream = Dictionary(step.needs.map { ($0.id.rawValue, known[$0.id] ?? "none") }, uniquingKeysWith: { first, _ in first })
        let key = StepKey(
            components: StepKey.components(of: resolved, asWritten: step, in: pipeline, secrets: secrets),
            sources: sources, upstream: upstream)
        let previous = cache.record(pipelineFile: pipelineFile, step: step.id)
        var outputsNow: [String: String?] = [:]
        if let previous, previous.key == key.key {
            for file in previous.result.outputFiles {
                let path = FileWalker.join(folder, file.path)
                outputsNow[file.path] = FileStat.of(path).flatMap { digest(ofFile: path, stat: $0) }
            }
        }
        let cacheAllowed = options.usesCache && settings.cache
        let needsSources = previous.map { $0.key != key.key && $0.sourcesDigest != key.sourcesDigest } ?? false
        var inputs = UpToDateDecision.Inputs(
            hasSources: true, forced: options.forces(step.id), current: key, previous: previous,
            previousSources: needsSources ? cache.sources(pipelineFile: pipelineFile, step: step.id) : nil,
            outputsNow: outputsNow, cacheAllowed: cacheAllowed, cached: nil, kindField: Self.kindField(of: step))
        var verdict = UpToDateDecision.decide(inputs)
        // The action cache is read only when the step is not up to date
        // (an up-to-date step needs nothing from it).
        var cached: ActionResult?
        if verdict != .upToDate, cacheAllowed, let result = cache.action(key.key), cache.isComplete(result) {
            cached = result
            inputs.cached = result
            verdict = UpToDateDecision.decide(inputs)
        }
        var conditionalRequest: HTTPConditionalRequest?
        if verdict == .upToDate, let previous, let download = Self.download(resolved) {
            (verdict, conditionalRequest) = revalidation(of: download, previous: previous, folder: folder)
        }
        return Evaluation(
            step: step.id, key: key, verdict: verdict, previous: previous, cached: cached, folder: folder,
            conditionalRequest: conditionalRequest)
    }

    /// The mapping key that holds the step's kind (`shell`, `http`, `uses`, ...).
    static func kindField(of step: Step) -> String? {
        step.kindName == "cpu" ? "cpu" : step.definition?.mappingKeys.first { $0 == step.kindName } ?? (step.definition?.mappingKeys.contains("uses") == true ? "uses" : nil)
    }

    /// The sorted (path, digest) list of what `patterns` match under `folder`;
    /// a literal path that names nothing is listed as `missing`.
    func digests(of patterns: [GlobPattern], in folder: String) -> [SourceDigest] {
        let matches = FileWalker.files(matching: patterns, in: folder)
        let paths = matches.map { FileWalker.join(folder, $0.path) }
        var digests = [String?](repeating: nil, count: matches.count)
        var misses: [Int] = []
        withStatCache { statCache in
            for index in matches.indices {
                digests[index] = statCache.digest(of: paths[index], stat: matches[index].stat)
                if digests[index] == nil { misses.append(index) }
            }
        }
        if !misses.isEmpty {
            var hashed: [(Int, String)] = []
            for index in misses {
                if let digest = ContentDigest.ofFile(paths[index]) { hashed.append((index, digest)) }
            }
            withStatCache { statCache in
                for (index, digest) in hashed {
                    digests[index] = digest
                    statCache.record(paths[index], stat: matches[index].stat, digest: digest)
                }
            }
        }
        var result = matches.indices.map { SourceDigest(path: matches[$0].path, digest: digests[$0] ?? SourceDigest.missing) }
        let missing = FileWalker.missingLiterals(patterns, in: folder)
        guard !missing.isEmpty else { return result }  // already sorted by path
        result += missing.map { SourceDigest(path: $0, digest: SourceDigest.missing) }
        return result.sorted { FileWalker.precedes($0.path, $1.path) }
    }

    /// The digest of one file through the stat cache.
    func digest(ofFile path: String, stat: FileStat) -> String? {
        if let known = withStatCache({ $0.digest(of: path, stat: stat) }) { return known }
        guard let digest = ContentDigest.ofFile(path) else { return nil }
        withStatCache { $0.record(path, stat: stat, digest: digest) }
        return digest
    }

    /// Runs `body` on the stat cache under the lock, reading the cache
    /// first if no one has yet (blocking; the others wait for it).
    private func withStatCache<Result: Sendable>(_ body: (inout StatCache) -> Result) -> Result {
        state.withLock { state in
            // Taken out while `body` runs, so that changing it copies nothing.
            var statCache = state.statCache ?? StatCache.load(from: cache.statCachePath)
            state.statCache = nil
            defer { state.statCache = statCache }
            return body(&statCache)
        }
    }

    // MARK: acting

    /// The step is up to date: its recorded outputs stand, and dependents see its output digest.
    func acceptUpToDate(_ evaluation: Evaluation) -> StepOutputs {
        guard let previous = evaluation.previous else { return [:] }
        state.withLock { $0.outputDigests[evaluation.step] = previous.result.outputDigest }
        return previous.result.taskloopOutputs ?? [:]
    }

    /// Puts the cached outputs in place (each by temporary file and rename),
    /// records the step as run under this key, and returns its outputs.
    func restore(_ evaluation: Evaluation, step: Step) throws(CacheStoreError) -> StepOutputs {
        guard let cached = evaluation.cached, let key = evaluation.key else { return [:] }
        for file in cached.outputFiles {
            let target = FileWalker.join(evaluation.folder, file.path)
            if let stat = FileStat.of(target), digest(ofFile: target, stat: stat) == file.digest.hash { continue }
            let blob = cache.blobPath(file.digest.hash)
            do {
                try AtomicWrite.copy(blob, to: target, executable: file.isExecutable ?? false, digest: file.digest.hash)
            } catch {
                // A damaged blob goes, so that the step's run stores a good one.
                if error.isDamagedCopy { unlink(blob) }
                throw error
            }
        }
        cache.touch(cached, key: key.key)
        let record = StepRunRecord(
            step: step.id.rawValue, key: key.key, components: key.components, upstream: key.upstream,
            sourcesDigest: key.sourcesDigest, result: cached, outputsStored: true)
        try cache.store(record, sources: key.sources, pipelineFile: pipelineFile)
        state.withLock { $0.outputDigests[step.id] = cached.outputDigest }
        return cached.taskloopOutputs ?? [:]
    }

    /// After a run of the step: on success, hashes what it generated, stores
    /// the blobs and the result in the cache and the record; on failure,
    /// marks the record so the next run runs the step.
    func recordRun(_ evaluation: Evaluation?, step: Step, resolved: Step, result: StepResult) throws(CacheStoreError) {
        let folder = evaluation?.folder ?? StepContext.resolve(resolved.workingDirectory ?? "", against: pipelineDirectory)
        guard result.status == .success else {
            if let previous = cache.record(pipelineFile: pipelineFile, step: step.id) {
                var failed = previous
                failed.key = ""
                try cache.store(failed, sources: [], pipelineFile: pipelineFile)
            }
            return
        }
        var outputFiles: [ActionResult.OutputFile] = []
        for match in FileWalker.files(matching: step.incremental.generates, in: folder) {
            let path = FileWalker.join(folder, match.path)
            guard let digest = digest(ofFile: path, stat: match.stat) else { continue }
            outputFiles.append(ActionResult.OutputFile(
                path: match.path, digest: .init(hash: digest, sizeBytes: match.stat.size),
                isExecutable: match.stat.isExecutable ? true : nil))
        }
        let outputsHoldSecret = !masker.isEmpty && result.outputs.values.contains { masker.mask($0) != $0 }
        let actionResult = ActionResult(
            outputFiles: outputFiles, exitCode: result.exitCode ?? 0, taskloopOutputs: outputsHoldSecret ? nil : result.outputs)
        state.withLock { $0.outputDigests[step.id] = actionResult.outputDigest }
        guard let key = evaluation?.key else { return }
        if options.usesCache, step.incremental.cache, !outputsHoldSecret {
            for file in outputFiles {
                try cache.storeBlob(from: FileWalker.join(folder, file.path), hash: file.digest.hash)
            }
            try cache.storeAction(actionResult, key: key.key)
        }
        let record = StepRunRecord(
            step: step.id.rawValue, key: key.key, components: key.components, upstream: key.upstream,
            sourcesDigest: key.sourcesDigest, result: actionResult, outputsStored: !outputsHoldSecret,
            savedResponse: savedResponse(of: resolved, outputs: result.outputs, folder: folder))
        try cache.store(record, sources: key.sources, pipelineFile: pipelineFile)
    }
}
