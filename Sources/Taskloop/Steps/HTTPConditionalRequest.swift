/// The validators of an http step's last saved response, sent back as
/// `If-None-Match` and `If-Modified-Since` so that the server can answer
/// `304 Not Modified` instead of the body.
///
/// Only an incremental run gives one to a step (``StepContext/conditionalRequest``),
/// and only while the file the step saved still has the digest it had when
/// saved: a 304 then means that file is the server's current version.
package struct HTTPConditionalRequest: Codable, Sendable, Hashable {
    /// The `ETag` header as the server sent it (quotes and `W/` included).
    package var etag: String?
    /// The `Last-Modified` header as the server sent it.
    package var lastModified: String?

    package init(etag: String?, lastModified: String?) {
        self.etag = etag
        self.lastModified = lastModified
    }

    /// The validators a response's headers (names lowercased, as in the
    /// step's `headers` output) carry; nil when it has neither.
    init?(responseHeaders headers: StepOutputs) {
        func text(_ name: String) -> String? {
            if case .string(let value)? = headers[name], !value.isEmpty { return value }
            return nil
        }
        guard text("etag") != nil || text("last-modified") != nil else { return nil }
        self.init(etag: text("etag"), lastModified: text("last-modified"))
    }

    /// The request headers: `If-None-Match` with the ETag and
    /// `If-Modified-Since` with the date (a server prefers the first).
    var headers: [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = []
        if let etag { headers.append(("If-None-Match", etag)) }
        if let lastModified { headers.append(("If-Modified-Since", lastModified)) }
        return headers
    }

    /// `If-None-Match "v1"`, for messages.
    var summary: String {
        headers.map { "\($0.name) \($0.value)" }.joined(separator: ", ")
    }
}
