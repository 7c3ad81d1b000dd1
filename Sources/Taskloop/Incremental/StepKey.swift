import Crypto
import Foundation

/// The key of one step in one run: SHA-256 over a canonical encoding of what
/// the step does and what it reads. Equal keys mean the step would do the
/// same thing to the same inputs.
///
/// Its parts, each hashed on its own so that a change can be named:
/// - `id`: the step's id (a matrix expansion's names its values);
/// - each key of the step's definition with `${{ }}` filled in (the kind and
///   its fields, `env`, `cwd`, `needs`, `sources`, `generates`, ...), the
///   pipeline's `env`, and each parameter the step reads (``StepFingerprint``);
/// - `secret:NAME` for each of the pipeline's `secrets:`, as an HMAC-SHA256
///   under the cache folder's own random key; wherever a secret's value
///   appears in another part, it is replaced by that HMAC first, so no
///   secret is ever hashed bare or stored;
/// - the sorted (path, content digest) list of its sources;
/// - the output digest of each step it needs (an ``ActionResult/outputDigest``).
struct StepKey: Sendable, Hashable {
    var components: [String: String]
    var sources: [SourceDigest]
    var sourcesDigest: String
    var upstream: [String: String]
    var key: String

    init(components: [String: String], sources: [SourceDigest], upstream: [String: String]) {
        self.components = components
        self.sources = sources
        self.upstream = upstream
        // `digest path` lines, built as bytes: a step may have thousands.
        var listing: [UInt8] = []
        listing.reserveCapacity(sources.count * 100)
        for source in sources {
            listing.append(contentsOf: source.digest.utf8)
            listing.append(UInt8(ascii: " "))
            listing.append(contentsOf: source.path.utf8)
            listing.append(UInt8(ascii: "\n"))
        }
        sourcesDigest = ContentDigest.of(bytes: listing)
        var text = "taskloop step key v1\n"
        for (name, digest) in components.sorted(by: { $0.key < $1.key }) { text += "part \(name) \(digest)\n" }
        text += "sources \(sourcesDigest)\n"
        for (need, digest) in upstream.sorted(by: { $0.key < $1.key }) { text += "upstream \(need) \(digest)\n" }
        key = ContentDigest.of(text)
    }

    /// The hashed parts of `resolved` (the step with its values filled in).
    static func components(of resolved: Step, asWritten step: Step, in pipeline: Pipeline, secrets: SecretHasher) -> [String: String] {
        var components: [String: String] = ["id": ContentDigest.of(step.id.rawValue)]
        for (name, text) in StepFingerprint.canonicalParts(of: resolved, asWritten: step, in: pipeline) {
            components[name] = ContentDigest.of(secrets.scrub(text))
        }
        for (name, hmac) in secrets.hmacs { components["secret:" + name] = hmac }
        return components
    }
}

/// Turns secret values into HMACs before anything about them is hashed or stored.
struct SecretHasher: Sendable {
    /// Each secret's name and value, longest value first (so a value that
    /// contains another is replaced whole).
    private let secrets: [(name: String, value: String, hmac: String)]

    init(values: [String: String], key: [UInt8]) {
        let symmetricKey = SymmetricKey(data: key)
        secrets = values.filter { !$0.value.isEmpty }.map { name, value in
            (name, value, "hmac-sha256:" + ContentDigest.hex(HMAC<SHA256>.authenticationCode(for: Array(value.utf8), using: symmetricKey)))
        }.sorted { $0.value.count > $1.value.count }
    }

    var hmacs: [String: String] {
        Dictionary(secrets.map { ($0.name, $0.hmac) }, uniquingKeysWith: { first, _ in first })
    }

    /// `text` with every secret value, raw or JSON-escaped, replaced by its HMAC.
    func scrub(_ text: String) -> String {
        guard !secrets.isEmpty else { return text }
        var text = text
        for secret in secrets {
            text = text.replacingOccurrences(of: secret.value, with: secret.hmac)
            let escaped = secret.value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            if escaped != secret.value { text = text.replacingOccurrences(of: escaped, with: secret.hmac) }
        }
        return text
    }
}
