import CTaskloopShims

#if canImport(Glibc)
import Glibc
#endif

/// The stdout and stderr pipes of one shell step's command. Every end is
/// close-on-exec from the start, so no other child process (another step's
/// command, a worker) inherits one and holds it open; the child's write ends
/// become its stdout and stderr when it starts.
///
/// Ownership: the read ends go to ``ShellOutputReader``s (which close them),
/// the write ends stay the step's: it closes them once the command has started
/// (the command has its own copies) or failed to start (``closeWriteEnds()``).
struct ShellPipes {
    let outputRead: CInt
    let outputWrite: CInt
    let errorRead: CInt
    let errorWrite: CInt

    init() throws(StepFailure) {
        var output: [CInt] = [-1, -1]
        var error: [CInt] = [-1, -1]
        guard taskloop_pipe_cloexec(&output) == 0 else { throw Self.failure(errno) }
        guard taskloop_pipe_cloexec(&error) == 0 else {
            let code = errno
            close(output[0])
            close(output[1])
            throw Self.failure(code)
        }
        (outputRead, outputWrite) = (output[0], output[1])
        (errorRead, errorWrite) = (error[0], error[1])
    }

    private static func failure(_ code: CInt) -> StepFailure {
        let reason = code == EMFILE ? OpenFileLimit.exhaustedMessage : String(cString: strerror(code))
        return StepFailure("cannot create a pipe for the command's output: \(reason)")
    }

    func closeWriteEnds() {
        close(outputWrite)
        close(errorWrite)
    }
}
