import Synchronization

/// What a shell step keeps of its output: stdout up to a limit (for the
/// `stdout` output) and the last lines of stderr (for the failure message).
/// Shared by the two tasks that read the pipes.
final class ShellCapture: Sendable {
    private struct State {
        var output: [UInt8] = []
        var outputTruncated = false
        var errorLines: [String] = []
    }

    private let limit: Int
    private let errorLineLimit: Int
    private let state = Mutex(State())

    init(limit: Int, errorLines: Int) {
        self.limit = limit
        self.errorLineLimit = errorLines
    }

    func appendOutput(_ bytes: [UInt8]) {
        state.withLock { state in
            let room = limit - state.output.count
            if bytes.count <= room {
                state.output.append(contentsOf: bytes)
            } else {
                state.output.append(contentsOf: bytes.prefix(max(0, room)))
                state.outputTruncated = true
            }
        }
    }

    func appendErrorLine(_ line: String) {
        state.withLock { state in
            state.errorLines.append(line)
            if state.errorLines.count > errorLineLimit { state.errorLines.removeFirst() }
        }
    }

    /// Stdout as text, without its final newline (as `$(...)` would give it).
    var standardOutput: String {
        state.withLock { state in
            var text = String(decoding: state.output, as: UTF8.self)
            while text.hasSuffix("\n") { text.removeLast() }
            return text
        }
    }

    var lastErrorLines: [String] { state.withLock { $0.errorLines } }
}
