package import AsyncHTTPClient
package import NIOCore
import Synchronization

/// The run's one HTTP client, made when a step first asks for it: a run
/// without HTTP steps never pays for a connection pool it does not use.
///
/// Every HTTP step (built-in or plugin) gets the same client, on the run's
/// event loop, so they share one connection pool.
package final class SharedHTTPClient: Sendable {
    private let eventLoop: any EventLoop
    private let connectionsPerHost: Int
    private let made = Mutex<HTTPClient?>(nil)

    package init(eventLoop: any EventLoop, connectionsPerHost: Int) {
        self.eventLoop = eventLoop
        self.connectionsPerHost = connectionsPerHost
    }

    /// The client, made on first use.
    package var client: HTTPClient {
        made.withLock { made in
            if let made { return made }
            let client = Self.makeClient(on: eventLoop, connectionsPerHost: connectionsPerHost)
            made = client
            return client
        }
    }

    /// Shuts the client down, if it was ever made.
    package func shutdown() async {
        guard let client = made.withLock({ $0 }) else { return }
        try? await client.shutdown()
    }

    /// Redirects are followed by the step itself, so each step can choose.
    static func makeClient(on eventLoop: any EventLoop, connectionsPerHost: Int) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(8, connectionsPerHost))
        // A refused connection fails its step at once instead of being retried
        // until the connect timeout; a step that should retry says so itself.
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: eventLoop, configuration: configuration)
    }
}
