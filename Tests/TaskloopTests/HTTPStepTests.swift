import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Testing
import TaskloopTestServer
@testable import Taskloop

/// An `http` step that records whether its code ran on the event loop, before
/// and after the request.
struct LoopCheckedHTTPStep: StepKind {
    static let name = "checked-http"
    static let summary = "An http step that checks its thread."
    static let fields: [FieldDocumentation] = []
    static let offLoop = Atomic<Int>(0)
    static let ran = Atomic<Int>(0)

    let inner: HTTPStep
    init(from configuration: ConfigNode, field: String) throws(PipelineDiagnostics) {
        inner = try HTTPStep(from: configuration, field: field)
    }
    var detail: String { inner.detail }

    func run(in context: StepContext) async throws -> StepOutputs {
        if !context.eventLoop.inEventLoop { Self.offLoop.add(1, ordering: .relaxed) }
        let outputs = try await inner.run(in: context)
        if !context.eventLoop.inEventLoop { Self.offLoop.add(1, ordering: .relaxed) }
        Self.ran.add(1, ordering: .relaxed)
        return outputs
    }
}

@Suite(.serialized) struct HTTPStepTests {
    func echoed(_ report: PipelineRunner.Report, _ step: StepID) throws -> [String: JSONValue] {
        guard case .object(let object)? = try report.outputs(step)["json"] else { return [:] }
        return object
    }

    @Test func everyMethodReachesTheServer() async throws {
        try await withTestServer { server in
            let methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
            let steps = methods.map { "  m-\($0): { http: { url: \"\(server.baseURL)/echo\", method: \($0) } }" }
            let (report, folder) = try await runPipeline("steps:\n" + steps.joined(separator: "\n") + "\n  m-HEAD: { http: { url: \"\(server.baseURL)/echo\", method: HEAD } }")
            defer { try? FileManager.default.removeItem(atPath: folder) }
            #expect(report.status == .success)
            for method in methods {
                #expect(try echoed(report, StepID("m-\(method)"))["method"] == .string(method))
            }
            #expect(try report.outputs("m-HEAD")["status"] == JSONValue(200))
            #expect(try report.outputs("m-HEAD")["body"] == .string(""))
        }
    }

    /// A JSON body over 16 KiB is decoded off the loop; it reads the same.
    @Test func largeJSONBodiesAreDecodedToo() async throws {
        try await withTestServer { server in
            let text = String(repeating: "abcdefgh", count: 4_000)
            let (report, folder) = try await runPipeline("""
                steps:
                  post: { http: { url: "\(server.baseURL)/echo", method: POST, body: \(text) } }
                """)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            #expect(report.status == .success)
            #expect(try echoed(report, "post")["body"] == .string(text))
            guard case .number(let bytes)? = try report.outputs("post")["bytes"] else {
                Issue.record("no byte count")
                return
            }
            #expect(bytes > Double(HTTPStep.inlineJSONLimit))
        }
    }

    @Test func headersGoBothWaysAndJSONBodiesAreSent() async throws {
        try await withTestServer { server in
            let (report, folder) = try await runPipeline("""
                steps:
                  post:
                    http:
                      url: \(server.baseURL)/echo
                      method: POST
                      headers: { Accept: application/json, X-Build: "42" }
                      json: { user: ci, retries: 3, tags: [a, b], nested: { ok: true, none: null } }
                """)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let outputs = try report.outputs("post")
            #expect(outputs["status"] == JSONValue(200))
            guard case .object(let headers)? = outputs["headers"] else {
                Issue.record("no headers output")
                return
            }
            #expect(headers["x-echo"] == .string("yes"))
            #expect(headers["content-type"] == .string("application/json"))
            let echo = try echoed(report, "post")
            guard case .object(let sent)? = echo["headers"] else {
                Issue.record("the server saw no headers")
                return
            }
            #expect(sent["x-build"] == .string("42"))
            #expect(sent["accept"] == .string("application/json"))
            #expect(sent["content-type"] == .string("application/json"))
            #expect(echo["body"] == .string(#"{"nested":{"none":null,"ok":true},"retries":3,"tags":["a","b"],"user":"ci"}"#))
        }
    }

    @Test func aStatusOutsideExpectFailsWithMethodURLAndBody() async throws {
        try await withTestServer { server in
            let (report, folder) = try await runPipeline("""
                steps:
                  missing: { http: { url: "\(server.baseURL)/status/404" } }
                  accepted: { http: { url: "\(server.baseURL)/status/404", expect: [404] } }
                """, policy: .keepGoing)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let missing = try #require(report.step("missing"))
            #expect(missing.status == .failure)
            #expect(missing.error == "GET \(server.baseURL)/status/404: status 404 Not Found, expected 2xx")
            #expect(missing.details == ["body: status 404"])
            #expect(report.status("accepted") == .success)
        }
    }

    @Test func redirectsAreFollowedUnlessTurnedOff() async throws {
        try await withTestServer { server in
            let (report, folder) = try await runPipeline("""
                steps:
                  follow: { http: { url: "\(server.baseURL)/redirect/3" } }
                  stay: { http: { url: "\(server.baseURL)/redirect/1", follow-redirects: false, expect: 302 } }
                  post-see-other: { http: { url: "\(server.baseURL)/see-other", method: POST, body: data } }
                """)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            #expect(report.status == .success)
            #expect(try report.outputs("follow")["url"] == .string(server.baseURL + "/echo"))
            #expect(try echoed(report, "follow")["method"] == .string("GET"))
            #expect(try report.outputs("stay")["status"] == JSONValue(302))
            #expect(try echoed(report, "post-see-other")["method"] == .string("GET"))
        }
    }

    @Test func aStalledServerHitsTheTimeout() async throws {
        try await withTestServer { server in
            let (report, folder) = try await runPipeline("""
                steps:
                  stalled: { http: { url: "\(server.baseURL)/stall" }, timeout: 500ms }
                """)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            #expect(report.status("stalled") == .failure)
            #expect(report.step("stalled")?.error == "timed out after 500ms (the step's `timeout`)")
        }
    }

    /// Without a `timeout:`, a server that stops sending (before its head,
    /// or in the middle of its body, saved or not) fails the step once the
    /// stall limit passes with nothing received; a step with a `timeout:`
    /// has that limit instead.
    @Test func aStalledServerFailsAStepWithoutTimeoutAfterTheStallLimit() async throws {
        try await withTestServer { server in
            let (report, folder) = try await runPipeline("""
                steps:
                  silent: { http: { url: "\(server.baseURL)/stall" } }
                  cut: { http: { url: "\(server.baseURL)/stall-body" } }
                  cut-saved: { http: { url: "\(server.baseURL)/stall-body", save: cut.txt } }
                  patient: { http: { url: "\(server.baseURL)/stall" }, timeout: 1500ms }
                """, policy: .keepGoing, httpStallLimit: .milliseconds(400))
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let stalled = "nothing came from the server for 400ms: it seems stalled; give the step a `timeout:` to let it wait longer"
            #expect(report.step("silent")?.error == "GET \(server.baseURL)/stall: \(stalled)")
            #expect(report.step("cut")?.error == "GET \(server.baseURL)/stall-body: \(stalled)")
            #expect(report.step("cut-saved")?.error == "GET \(server.baseURL)/stall-body: the download failed after 5 bytes: \(stalled)")
            #expect(!FileManager.default.fileExists(atPath: folder + "/cut.txt"))
            #expect(report.step("patient")?.error == "timed out after 1.50s (the step's `timeout`)")
        }
    }

    /// A password in a URL reaches the server but is shown as `***` in the
    /// step's detail, its errors and its `url` output (the event log and the
    /// reports carry them).
    @Test func aPasswordInTheURLIsNeverShown() async throws {
        try await withTestServer { server in
            let authority = server.baseURL.replacingOccurrences(of: "http://", with: "http://ci:hunter2@")
            let (report, folder) = try await runPipeline("""
                steps:
                  ok: { http: { url: "\(authority)/echo" } }
                  bad: { http: { url: "\(authority)/status/500" } }
                """, policy: .keepGoing)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let shown = server.baseURL.replacingOccurrences(of: "http://", with: "http://ci:***@")
            #expect(try report.outputs("ok")["url"] == .string(shown + "/echo"))
            let headers = try echoed(report, "ok")["headers"]
            #expect(headers?.description.contains("Basic Y2k6aHVudGVyMg==") == true, "\(String(describing: headers))")
            #expect(report.step("bad")?.error == "GET \(shown)/status/500: status 500 Internal Server Error, expected 2xx")
            #expect(!(try String(contentsOfFile: report.eventLogPath, encoding: .utf8)).contains("hunter2"))
        }
        #expect(HTTPStep.shown("https://example.com/a:b@c") == "https://example.com/a:b@c")
        #expect(HTTPStep.shown("https://user@example.com/") == "https://user@example.com/")
        #expect(HTTPStep.shown("https://u:p:q@example.com?x=1") == "https://u:***@example.com?x=1")
    }

    /// Credentials follow a redirect within their origin only, as curl and
    /// browsers do: a server cannot hand the step's token to a host it names.
    @Test func credentialsDoNotFollowARedirectToAnotherOrigin() async throws {
        try await withTestServer { first in
            try await withTestServer { other in
                let away = "\(other.baseURL)/echo".addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
                let (report, folder) = try await runPipeline("""
                    steps:
                      away:
                        http:
                          url: "\(first.baseURL)/redirect/1?to=\(away)"
                          headers: { Authorization: "Bearer t0ken", Cookie: "s=1", X-Trace: "kept" }
                      home:
                        http:
                          url: "\(first.baseURL)/redirect/1"
                          headers: { Authorization: "Bearer t0ken" }
                    """)
                defer { try? FileManager.default.removeItem(atPath: folder) }
                #expect(report.status == .success)
                guard case .object(let awayHeaders)? = try echoed(report, "away")["headers"],
                    case .object(let homeHeaders)? = try echoed(report, "home")["headers"]
                else {
                    Issue.record("no headers echoed")
                    return
                }
                #expect(awayHeaders["authorization"] == nil)
                #expect(awayHeaders["cookie"] == nil)
                #expect(awayHeaders["x-trace"] == .string("kept"))
                #expect(homeHeaders["authorization"] == .string("Bearer t0ken"))
            }
        }
    }

    @Test func headersTooLargeToReadAreNamedForWhatTheyAre() async throws {
        try await withTestServer { server in
            let (report, folder) = try await runPipeline("""
                steps:
                  huge: { http: { url: "\(server.baseURL)/huge-headers" } }
                """)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            #expect(report.step("huge")?.error
                == "GET \(server.baseURL)/huge-headers: the answer's headers are larger than 80 KiB, more than an HTTP client reads; is this an HTTP server?")
        }
    }

    @Test func aRefusedConnectionSaysSo() async throws {
        // A port held bound but not listening refuses connections, and no
        // other suite's server can take it meanwhile (a stopped server's port
        // could be reused by one starting at the same moment).
        let socket = try BoundClosedPort()
        defer { socket.close() }
        let url = "http://127.0.0.1:\(socket.port)"
        let (report, folder) = try await runPipeline("""
            steps:
              refused: { http: { url: "\(url)/echo" } }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let error = try #require(report.step("refused")?.error)
        #expect(error.hasPrefix("GET \(url)/echo: connection refused"))
    }

    @Test func aBodyOverOneMebibyteNeedsSave() async throws {
        try await withTestServer { server in
            let (report, folder) = try await runPipeline("""
                steps:
                  big: { http: { url: "\(server.baseURL)/bytes/2000000" } }
                """)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            #expect(report.step("big")?.error == "GET \(server.baseURL)/bytes/2000000: the body is larger than 1 MiB; add `save: PATH` to stream it to a file")
        }
    }

    @Test func aCancelledDownloadLeavesNoFile() async throws {
        try await withTestServer { server in
            let (report, folder) = try await runPipeline("""
                steps:
                  endless: { http: { url: "\(server.baseURL)/bytes/\(4 * 1024 * 1024 * 1024)", save: out/huge.bin }, timeout: 300ms }
                """)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            #expect(report.status("endless") == .failure)
            #expect(!FileManager.default.fileExists(atPath: folder + "/out/huge.bin"))
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/out") == [])
        }
    }

    @Test func fiveHundredConcurrentRequestsRunTheirCodeOnTheLoop() async throws {
        try await withTestServer { server in
            LoopCheckedHTTPStep.offLoop.store(0, ordering: .relaxed)
            LoopCheckedHTTPStep.ran.store(0, ordering: .relaxed)
            let steps = (0..<500).map { "  get-\($0): { uses: checked-http, with: { url: \"\(server.baseURL)/hello\" } }" }
            let (report, folder) = try await runPipeline(
                "limits: { io: 500 }\nsteps:\n" + steps.joined(separator: "\n"), plugins: [LoopCheckedHTTPStep.self])
            defer { try? FileManager.default.removeItem(atPath: folder) }
            #expect(report.status == .success)
            #expect(LoopCheckedHTTPStep.ran.load(ordering: .relaxed) == 500)
            #expect(LoopCheckedHTTPStep.offLoop.load(ordering: .relaxed) == 0)
            #expect(server.requestCount == 500)
            #expect(try report.outputs("get-499")["body"] == .string("hello"))
        }
    }
}

/// Samples this process's resident memory (VmRSS) until stopped; returns the
/// largest growth over the first sample, in bytes.
final class ResidentMemorySampler: Sendable {
    private let stopped = Atomic<Bool>(false)

    func stop() { stopped.store(true, ordering: .relaxed) }

    func sample() async -> Int {
        let baseline = Self.residentBytes()
        var peak = baseline
        while !stopped.load(ordering: .relaxed) {
            peak = max(peak, Self.residentBytes())
            try? await Task.sleep(for: .milliseconds(10))
        }
        return peak - baseline
    }

    static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return 0 }
        let kilobytes = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
        return kilobytes * 1024
    }
}

/// A TCP socket bound to a free port on 127.0.0.1 and not listening: a
/// connection to that port is refused for as long as it is held.
struct BoundClosedPort {
    let descriptor: CInt
    let port: Int

    init() throws {
        let descriptor = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard bound == 0, named == 0 else {
            let code = errno
            Glibc.close(descriptor)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() {
        Glibc.close(descriptor)
    }
}
