/// What a step produced, shaped like the `ActionResult` of Bazel's remote
/// execution API (in its proto3 JSON form) so that a remote cache can follow:
/// each output file by path, content digest and size, and executable bit.
/// `taskloopOutputs` is Taskloop's own addition: the step's named outputs,
/// which later steps read through `${{ }}`.
struct ActionResult: Codable, Sendable, Hashable {
    struct Digest: Codable, Sendable, Hashable {
        var hash: String
        var sizeBytes: Int64
    }

    struct OutputFile: Codable, Sendable, Hashable {
        /// Relative to the step's folder.
        var path: String
        var digest: Digest
        var isExecutable: Bool?
    }

    var outputFiles: [OutputFile]
    var exitCode: Int32 = 0
    var taskloopOutputs: StepOutputs?

    /// The digest dependents see: the step's output files, by path and
    /// content. Equal digests mean byte-identical outputs, which is what
    /// lets a dependent stay up to date when a step reran for nothing
    /// (early cutoff).
    var outputDigest: String {
        var text = "taskloop outputs v1\n"
        for file in outputFiles.sorted(by: { $0.path < $1.path }) {
            text += "\(file.digest.hash) \(file.path)\n"
        }
        return ContentDigest.of(text)
    }
}

/// A step's last successful run in this folder: the key it ran under, the
/// parts that key was made of (so `why` can name what changed), and what it
/// produced. Stored in `.taskloop/cache/steps/`, one file per step of each
/// pipeline file; its sources' digests go in a companion `.sources` file,
/// read only when they must be compared.
struct StepRunRecord: Codable, Sendable, Hashable {
    var step: String
    var key: String
    /// The key's parts by name (`command`, `env`, `param:NAME`, ...), each a digest.
    var components: [String: String]
    /// Each need's output digest as it was.
    var upstream: [String: String]
    /// The digest of the sorted (path, digest) list of the step's sources.
    var sourcesDigest: String
    var result: ActionResult
    /// When false, the step's outputs held a secret and were not written down.
    var outputsStored: Bool
    /// For an http step with `save:`, what the next run asks its server with.
    var savedResponse: SavedResponse?
}

/// The response an http step saved to a file: its validators (`ETag`,
/// `Last-Modified`), and the file's digest when saved, so that the
/// validators are sent only while the file is still that response.
struct SavedResponse: Codable, Sendable, Hashable {
    var validators: HTTPConditionalRequest
    /// The step's `save:` path as resolved, and the file's SHA-256.
    var path: String
    var digest: String
}

/// One source file and its content digest (or `missing`).
struct SourceDigest: Sendable, Hashable {
    var path: String
    var digest: String

    static let missing = "missing"
}
