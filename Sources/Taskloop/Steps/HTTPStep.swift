/// `http: { url: ..., method: POST, json: {...} }`: one HTTP request, made on
/// the event loop through the run's shared client (one connection pool,
/// keep-alive), with the body streamed to a file when `save` is given.
public struct HTTPStep: StepKind {
    public static let name = "http"
    public static let summary = "Make an HTTP request on the event loop; outputs `status`, `headers`, `body`, `json`, `bytes`."
    public static let fields = [
        FieldDocumentation("url", type: "text", required: true, "The URL, http or https."),
        FieldDocumentation("method", type: "text", "GET (the default), POST, PUT, PATCH, DELETE, HEAD, OPTIONS."),
        FieldDocumentation("headers", type: "mapping", "Request headers."),
        FieldDocumentation("json", type: "any", "A body sent as JSON (sets Content-Type: application/json)."),
        FieldDocumentation("body", type: "text", "A raw body (instead of `json`)."),
        FieldDocumentation("expect", type: "status or list", "Statuses that count as success; default: any 2xx."),
        FieldDocumentation("save", type: "path", "Stream the body to this file (atomically) instead of keeping it in memory."),
        FieldDocumentation("follow-redirects", type: "boolean", "Follow 3xx redirects, up to 10 (default true)."),
    ]

    static let keys = ["url", "method", "headers", "json", "body", "expect", "save", "follow-redirects"]
    static let methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]

    public enum Body: Sendable, Hashable {
        case none
        case json(JSONValue)
        case text(String)
    }

    public var url: String
    public var method: String
    public var headers: [(name: String, value: String)]
    public var body: Body
    /// Nil means any 2xx.
    public var expectedStatuses: [Int]?
    public var savePath: String?
    public var followsRedirects: Bool

    public init(from configuration: ConfigNode, field: String) throws(PipelineDiagnostics) {
        let mapping = try configuration.mapping(field: field, known: Self.keys)
        url = try mapping.required("url").string(field: mapping.name(of: "url"))
        if let scheme = url.split(separator: ":", maxSplits: 1).first?.lowercased(), scheme == "http" || scheme == "https" {
        } else if !Template.containsExpression(url) {
            throw PipelineDiagnostics(.invalidValue(field: mapping.name(of: "url"), reason: "`\(url)` is not an http:// or https:// URL"), at: mapping["url"]!.location)
        }
        method = (try mapping.string("method") ?? "GET").uppercased()
        if !Self.methods.contains(method), let node = mapping["method"] {
            throw PipelineDiagnostics(.invalidValue(field: mapping.name(of: "method"), reason: "`\(method)` is not an HTTP method; use one of \(PipelineProblem.list(Self.methods))"), at: node.location)
        }
        headers = try mapping["headers"].map { node throws(PipelineDiagnostics) in
            try node.stringMap(field: mapping.name(of: "headers")).map { ($0.key, $0.value) }
        } ?? []
        switch (mapping["json"], mapping["body"]) {
        case (let json?, nil):
            let value = json.jsonValue
            guard value.isWithinDepthLimit else {
                throw PipelineDiagnostics(.invalidValue(
                    field: mapping.name(of: "json"), reason: "it nests more than \(JSONValue.maximumDepth) levels deep"), at: json.location)
            }
            body = .json(value)
        case (nil, let text?): body = .text(try text.string(field: mapping.name(of: "body")))
        case (nil, nil): body = .none
        case (_, let text?):
            throw PipelineDiagnostics(.invalidValue(field: mapping.name(of: "body"), reason: "give `json` or `body`, not both"), at: text.location)
        }
        if let expect = mapping["expect"] {
            let nodes: [ConfigNode]
            if case .sequence(let items) = expect.content { nodes = items } else { nodes = [expect] }
            expectedStatuses = try nodes.map { node throws(PipelineDiagnostics) in
                try node.int(field: "each status of \(mapping.name(of: "expect"))", range: 100...599)
            }
        }
        savePath = try mapping.string("save")
        followsRedirects = try mapping.bool("follow-redirects") ?? true
    }

    public var detail: String { "\(method) \(shownURL)" }

    /// The URL as messages, the step's detail and its `url` output show it.
    var shownURL: String { Self.shown(url) }

    /// `url` with the password of its user part, if any, as `***`
    /// (`https://ci:***@example.com/x`): a URL is printed in errors, the
    /// event log and the reports, which must not carry the password.
    static func shown(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let authority = url[schemeEnd.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") else { return url }
        return String(url[..<authority.index(after: colon)]) + "***" + String(url[at...])
    }

    func accepts(_ status: Int) -> Bool {
        expectedStatuses?.contains(status) ?? (200...299).contains(status)
    }
}
