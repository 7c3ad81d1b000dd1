import Foundation
import NIOHTTP1
import Synchronization

/// The document `/versioned` serves: a text whose version a test changes,
/// with an `ETag` (the version, quoted) and a `Last-Modified` date, answered
/// with `304 Not Modified` when the request's `If-None-Match` names the
/// current ETag or (without `If-None-Match`, as RFC 9110 says) its
/// `If-Modified-Since` is not older than the document.
public final class VersionedDocument: Sendable {
    private struct State: Sendable {
        var version = "v1"
        /// Seconds since 1970: HTTP dates have whole seconds.
        var modified: Int = 1_700_000_000
        var notModifiedCount = 0
    }

    private let state = Mutex(State())

    /// How many 304s `/versioned` has answered.
    public var notModifiedCount: Int { state.withLock { $0.notModifiedCount } }

    /// Serves `version` from now on, last modified at `modified` (seconds since 1970).
    public func publish(_ version: String, modified: Int) {
        state.withLock {
            $0.version = version
            $0.modified = modified
        }
    }

    /// The status, body and headers for a request with `headers`; `only`
    /// limits the validators sent to `etag` or `last-modified`.
    func respond(to headers: HTTPHeaders, only: String?) -> (HTTPResponseStatus, String, [(String, String)]) {
        state.withLock { state in
            let etag = "\"\(state.version)\""
            let modified = Self.httpDate(state.modified)
            var validators: [(String, String)] = []
            if only != "last-modified" { validators.append(("ETag", etag)) }
            if only != "etag" { validators.append(("Last-Modified", modified)) }
            let notModified: Bool
            if let match = headers.first(name: "if-none-match") {
                notModified = only != "last-modified" && match.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces) == etag }
            } else if let since = headers.first(name: "if-modified-since").flatMap(Self.parseHTTPDate) {
                notModified = only != "etag" && state.modified <= since
            } else {
                notModified = false
            }
            if notModified {
                state.notModifiedCount += 1
                return (.notModified, "", validators)
            }
            return (.ok, "document \(state.version)\n", validators)
        }
    }

    private static func formatter() -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter
    }

    static func httpDate(_ seconds: Int) -> String {
        formatter().string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    static func parseHTTPDate(_ text: String) -> Int? {
        formatter().date(from: text).map { Int($0.timeIntervalSince1970) }
    }
}
