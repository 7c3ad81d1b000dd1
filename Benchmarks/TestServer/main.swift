import Foundation
import TaskloopTestServer

// `taskloop-test-server [PORT]`: serves the test routes on 127.0.0.1 until
// killed; prints the port once it listens (for the benchmark script).
let port = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 0 : 0
let server = try await TestHTTPServer.start(port: port)
FileHandle.standardOutput.write(Data("\(server.port)\n".utf8))
while true {
    try await Task.sleep(for: .seconds(3600))
}
