import Synchronization

/// What a shell step keeps of its output: stdout up to a limit (for the
/// `stdout` output) and the last lines of stderr (for the failure message).
/// Shared by the two tasks that read the pipes.
final class ShellCapture: Sendable {
    private struct State {
        var output: [UInt8] = []
        var outputTruncated = false
        var errorLines: [String] = []
        /// The start of stderr's current line, when it came in pieces.
        var errorLineStart = ""
    }

    private let limit: Int
    private let errorLineLimit: Int
    private let masker: SecretMasker
    private let state = Mutex(State())

    /// `masker` knows the run's secrets: stdout cut at `limit` is cut before
    /// any secret the limit would split, so no prefix of one is kept (it
    /// would not be masked later).
    init(limit: Int, errorLines: Int, masker: SecretMasker = SecretMasker(values: [])) {
        self.limit = limit
        self.errorLineLimit = errorLines
        self.masker = masker
    }

    func appendOutput(_ bytes: [UInt8]) {
        state.withLock { state in
            guard !state.outputTruncated else { return }
            let room = limit - state.output.count
            if bytes.count <= room {
                state.output.append(contentsOf: bytes)
            } else {
                state.output.append(contentsOf: bytes.prefix(max(0, room)))
                state.output.removeLast(state.output.count - masker.safeCut(state.output[...]))
                state.outputTruncated = true
            }
        }
    }

    /// Keeps stderr's last lines; a line that comes in pieces is joined
    /// (its first 64 KiB).
    func appendError(_ piece: LineAssembler.Piece) {
        state.withLock { state in
            if !piece.endsLine {
                if state.errorLineStart.utf8.count < 64 * 1024 { state.errorLineStart += piece.text }
                return
            }
            state.errorLines.append(state.errorLineStart + piece.text)
            state.errorLineStart = ""
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
