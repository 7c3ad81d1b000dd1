package import AsyncHTTPClient
package import NIOCore
import Synchronization

/// The run's HTTP clients, each made when a step first asks for it: a run
/// without HTTP steps never pays for a connection pool it does not use.
///
/// Every HTTP step (built-in or plugin) gets one of two clients on the
/// run's event loop, so steps share connection pools. A step without a
/// `timeout:` gets the one that gives up on a request once nothing has
/// come from the server for ``stallLimit`` (a server that accepts and then
/// never answers would otherwise hold the step, and the run, forever); a
/// step with a `timeout:` has that limit instead, and gets the other.
package final class SharedHTTPClient: Sendable {
    private let eventLoop: any EventLoop
    private let connectionsPerHost: Int
    /// How long a request of a step without a `timeout:` may receive nothing.
    package let stallLimit: Duration
    private let made = Mutex<(watchful: HTTPClient?, patient: HTTPClient?)>((nil, nil))

    package init(eventLoop: any EventLoop, connectionsPerHost: Int, stallLimit: Duration = RunOptions.defaultHTTPStallLimit) {
        self.eventLoop = eventLoop
        self.connectionsPerHost = connectionsPerHost
        self.stallLimit = stallLimit
    }

    /// The client for a step: `watchful` for one without a `timeout:`.
    package func client(watchful: Bool) -> HTTPClient {
        made.withLock { made in
            if watchful, let client = made.watchful { return client }
            if !watchful, let client = made.patient { return client }
            let client = Self.makeClient(
                on: eventLoop, connectionsPerHost: connectionsPerHost, readTimeout: watchful ? stallLimit : nil)
            if watchful { made.watchful = client } else { made.patient = client }
            return client
        }
    }

    /// Shuts down the clients that were made.
    package func shutdown() async {
        let made = made.withLock { $0 }
        for client in [made.watchful, made.patient] {
            try? await client?.shutdown()
        }
    }

    /// Redirects are followed by the step itself, so each step can choose.
    /// `readTimeout`: how long a request may receive nothing (no limit when nil).
    static func makeClient(on eventLoop: any EventLoop, connectionsPerHost: Int, readTimeout: Duration? = nil) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(read: readTimeout.map { .nanoseconds(Int64($0.nanosecondsClamped)) })
        configuration.redirectConfiguration = .disallow
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(8, connectionsPerHost))
        // A refused connection fails its step at once instead of being retried
        // until the connect timeout; a step that should retry says so itself.
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: eventLoop, configuration: configuration)
    }
}
