import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// Words for why an HTTP request failed: refused connections, names that do
/// not resolve, TLS failures and time-outs, instead of a type dump.
enum HTTPFailure {
    /// `stallLimit`: how long the request could receive nothing (see
    /// ``SharedHTTPClient``), named when that is what ended it.
    static func describe(_ error: any Error, stallLimit: Duration) -> String {
        if let connection = error as? NIOConnectionError {
            if connection.dnsAError != nil || connection.dnsAAAAError != nil, connection.connectionErrors.isEmpty {
                return "cannot resolve host `\(connection.host)`: check the name (or your DNS)"
            }
            if let first = connection.connectionErrors.first {
                return describe(first.error, host: connection.host, port: connection.port)
            }
        }
        if let io = error as? IOError {
            return describe(io, host: nil, port: nil)
        }
        if let client = error as? HTTPClientError {
            switch client {
            case .connectTimeout: return "the connection timed out"
            case .readTimeout:
                return "nothing came from the server for \(stallLimit.compactDescription): it seems stalled; "
                    + "give the step a `timeout:` to let it wait longer"
            case .remoteConnectionClosed: return "the server closed the connection"
            case .invalidURL, .emptyHost, .emptyScheme: return "the URL is not valid"
            case .deadlineExceeded: return "the request timed out"
            default: return "\(client)"
            }
        }
        if let parser = error as? HTTPParserError {
            if case .headerOverflow = parser {
                return "the answer's headers are larger than 80 KiB, more than an HTTP client reads; is this an HTTP server?"
            }
            return "the answer is not valid HTTP (\(parser)); is this an HTTP server?"
        }
        let text = String(describing: error)
        if text.localizedCaseInsensitiveContains("certificate") || text.contains("SSL") || text.contains("handshake") {
            return "TLS failed: \(text)"
        }
        if text.contains("unknown") && text.contains("host") {
            return "cannot resolve the host: \(text)"
        }
        return text
    }

    private static func describe(_ error: any Error, host: String?, port: Int?) -> String {
        let place = host.map { " (\($0)\(port.map { ":\($0)" } ?? ""))" } ?? ""
        if let io = error as? IOError {
            switch io.errnoCode {
            case ECONNREFUSED: return "connection refused\(place): is a server listening there?"
            case ETIMEDOUT: return "the connection timed out\(place)"
            case EHOSTUNREACH, ENETUNREACH: return "the host cannot be reached\(place)"
            case ECONNRESET: return "the server reset the connection\(place)"
            case EPIPE: return "the server closed the connection while the request was sent\(place)"
            default: return "\(SystemErrorText.describe(io.errnoCode))\(place)"
            }
        }
        return "\(error)\(place)"
    }
}
