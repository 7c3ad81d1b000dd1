import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFileSystem
import NIOHTTP1

extension HTTPStep {
    /// The most of a body kept in memory as the output `body`.
    static let bodyLimit = 1024 * 1024
    static let redirectLimit = 10

    /// The first 500 characters of a body, cut before any secret the cut would split.
    static func previewText(_ body: String, masker: SecretMasker) -> String {
        let bytes = Array(String(body.prefix(500)).utf8)
        return String(decoding: bytes[..<masker.safeCut(bytes[...])], as: UTF8.self)
    }

    public func run(in context: StepContext) async throws -> StepOutputs {
        var currentURL = url
        var currentMethod = method
        var currentBody = body
        var response: HTTPClientResponse
        var redirects = 0
        while true {
            response = try await send(currentMethod, currentURL, currentBody, with: context)
            guard followsRedirects, [301, 302, 303, 307, 308].contains(Int(response.status.code)),
                let location = response.headers.first(name: "location")
            else { break }
            // The redirect's own body is not wanted; reading it frees the connection.
            _ = try? await response.body.collect(upTo: Self.bodyLimit)
            redirects += 1
            guard redirects <= Self.redirectLimit else {
                throw StepFailure("\(method) \(shownURL): more than \(Self.redirectLimit) redirects (last to \(Self.shown(location)))")
            }
            guard let next = URL(string: location, relativeTo: URL(string: currentURL))?.absoluteString else {
                throw StepFailure("\(method) \(shownURL): the redirect to `\(Self.shown(location))` is not a URL")
            }
            // 303, and 301/302 after a POST, continue as GET without a body (as browsers do).
            let status = Int(response.status.code)
            if status == 303 || ((status == 301 || status == 302) && currentMethod == "POST") {
                currentMethod = "GET"
                currentBody = .none
            }
            currentURL = next
        }

        let status = Int(response.status.code)
        var outputs: StepOutputs = [
            "status": JSONValue(status),
            "headers": .object(Self.headerObject(response.headers)),
            "url": .string(Self.shown(currentURL)),
        ]
        if status == 304, let savePath, conditionalRequest(in: context) != nil {
            // Not modified: the saved file is the server's current version; it stays as it is.
            _ = try? await response.body.collect(upTo: Self.bodyLimit)
            outputs["path"] = .string(context.resolve(savePath))
            return outputs
        }
        guard accepts(status) else {
            let preview = (try? await response.body.collect(upTo: Self.bodyLimit)).map { String(buffer: $0) } ?? ""
            let expected = expectedStatuses.map { $0.map(String.init).joined(separator: ", ") } ?? "2xx"
            throw StepFailure(
                "\(method) \(shownURL): status \(status) \(response.status.reasonPhrase), expected \(expected)",
                details: preview.isEmpty ? [] : ["body: " + Self.previewText(preview, masker: context.secretMasker)], outputs: outputs)
        }

        if let savePath {
            let target = context.resolve(savePath)
            let bytes = try await Self.stream(
                response.body, to: target, request: "\(method) \(shownURL)", stallLimit: context.httpStallLimit)
            outputs["bytes"] = JSONValue(Int(bytes))
            outputs["path"] = .string(target)
            return outputs
        }

        let buffer: ByteBuffer
        do {
            buffer = try await response.body.collect(upTo: Self.bodyLimit)
        } catch is NIOTooManyBytesError {
            throw StepFailure("\(method) \(shownURL): the body is larger than 1 MiB; add `save: PATH` to stream it to a file")
        } catch {
            throw StepFailure("\(method) \(shownURL): \(HTTPFailure.describe(error, stallLimit: context.httpStallLimit))")
        }
        let text = String(buffer: buffer)
        outputs["body"] = .string(text)
        outputs["bytes"] = JSONValue(buffer.readableBytes)
        if let json = await Self.decodeJSON(text, in: context) {
            outputs["json"] = json
        }
        return outputs
    }

    /// Headers that carry credentials, kept from a redirect to another origin.
    static let credentialHeaders: Set<String> = ["authorization", "proxy-authorization", "cookie"]

    /// Scheme, host and port: what a redirect must keep for credentials to follow it.
    static func origin(of url: String) -> String? {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), let host = parsed.host?.lowercased() else { return nil }
        let port = parsed.port ?? (scheme == "https" ? 443 : 80)
        return "\(scheme)://\(host):\(port)"
    }

    /// `user:password` from a URL's user part, percent-decoded; nil without one.
    static func basicCredentials(in url: String) -> String? {
        guard let parsed = URL(string: url), let user = parsed.user(percentEncoded: false) else { return nil }
        return user + ":" + (parsed.password(percentEncoded: false) ?? "")
    }

    /// The validators to send: only a GET that saves its body asks whether it changed.
    private func conditionalRequest(in context: StepContext) -> HTTPConditionalRequest? {
        guard method == "GET", savePath != nil else { return nil }
        return context.conditionalRequest
    }

    /// Bodies larger than this are decoded on the thread pool: decoding up
    /// to 1 MiB of JSON would hold the event loop for milliseconds.
    static let inlineJSONLimit = 16 * 1024

    /// The body as JSON, or nil when it is not JSON.
    private static func decodeJSON(_ text: String, in context: StepContext) async -> JSONValue? {
        // A value nested past JSONValue.maximumDepth is not given as `json` (the body still is).
        let decode: @Sendable () -> JSONValue? = {
            guard JSONValue.nestingDepth(ofJSONText: text.utf8) <= JSONValue.maximumDepth else { return nil }
            return try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        }
        guard text.utf8.count > inlineJSONLimit else { return decode() }
        return (try? await context.threadPool.runIfActive(decode)) ?? nil
    }

    private func send(_ method: String, _ url: String, _ body: Body, with context: StepContext) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        // A redirect to another origin gets no credentials meant for this
        // one (as curl and browsers do): a server must not hand a token on by
        // redirecting to a host of its choice.
        let sameOrigin = Self.origin(of: url) == Self.origin(of: self.url)
        for header in headers where sameOrigin || !Self.credentialHeaders.contains(header.name.lowercased()) {
            request.headers.add(name: header.name, value: header.value)
        }
        // The step's own conditional headers win over the remembered ones.
        for header in conditionalRequest(in: context)?.headers ?? [] where !request.headers.contains(name: header.name) {
            request.headers.add(name: header.name, value: header.value)
        }
        // `https://user:password@host/`: the client does not send the user
        // part, so it becomes Basic authentication, as curl sends it (the
        // step's own `Authorization` header wins). Also for each redirect's
        // URL, as the user part belongs to the URL that carries it.
        if !request.headers.contains(name: "authorization"), let credentials = Self.basicCredentials(in: url) {
            request.headers.add(name: "Authorization", value: "Basic " + Data(credentials.utf8).base64EncodedString())
        }
        switch body {
        case .none:
            break
        case .json(let value):
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            request.body = .bytes(ByteBuffer(bytes: try encoder.encode(value)))
            if !request.headers.contains(name: "content-type") {
                request.headers.add(name: "Content-Type", value: "application/json")
            }
        case .text(let text):
            request.body = .bytes(ByteBuffer(string: text))
        }
        do {
            // The step's `timeout` cancels the task; the client honours that.
            return try await context.httpClient.execute(request, timeout: .hours(24))
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw StepFailure("\(method) \(shownURL): \(HTTPFailure.describe(error, stallLimit: context.httpStallLimit))")
        }
    }

    /// Streams `body` into a temporary file beside `target`, then renames it
    /// into place: memory stays flat whatever the size, and a failed or
    /// cancelled download leaves no file at `target`.
    static func stream(
        _ body: HTTPClientResponse.Body, to target: String, request: String, stallLimit: Duration
    ) async throws -> Int64 {
        var written: Int64 = 0
        do {
            try await AtomicFile.replace(target, fileSystem: .shared) { temporary in
                try await FileSystem.shared.withFileHandle(
                    forWritingAt: FilePath(temporary), options: .newFile(replaceExisting: false)
                ) { handle in
                    for try await chunk in body {
                        try await handle.write(contentsOf: chunk, toAbsoluteOffset: written)
                        written += Int64(chunk.readableBytes)
                    }
                }
            }
        } catch let error as FileSystemError {
            if Task.isCancelled { throw CancellationError() }
            throw StepFailure("\(request): cannot save to \(target): \(SystemErrorText.reason(error, fallback: error.message))")
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw StepFailure("\(request): the download failed after \(written) bytes: \(HTTPFailure.describe(error, stallLimit: stallLimit))")
        }
        return written
    }

    static func headerObject(_ headers: HTTPHeaders) -> [String: JSONValue] {
        var object: [String: String] = [:]
        for (name, value) in headers {
            let key = name.lowercased()
            object[key] = object[key].map { $0 + ", " + value } ?? value
        }
        return object.mapValues { .string($0) }
    }
}
