import CTaskloopShims

#if canImport(Glibc)
import Glibc
#endif

/// The stdout and stderr pipes of one shell step's command. Every end is
/// close-on-exec from the start, so no other child process (another step's
/// command, a worker) inherits one and holds it open; the child's write ends
/// become its stdout and stderr when it starts.
///
/// Ownership: the read ends go to ``ShellOutputReader``s (NIO closes them),
/// the write ends to swift-subprocess, which closes them once the command has
/// started or failed to start. ``closeWriteEnds()`` is for the path where the
/// command is never started.
struct ShellPipes {
    let outputRead: CInt
    let outputWrite: CInt
    let errorRead: CInt
    let errorWrite: CInt

    init() throws(StepFailure) {
        var output: [CInt] = [-1, -1]
        var error: [CInt] = [-1, -1]
        guard taskloop_pipe_cloexec(&output) == 0 else {
            throw StepFailure("cannot create a pipe for the command's output: \(String(cString: strerror(errno)))")
        }
        guard taskloop_pipe_cloexec(&error) == 0 else {
            let reason = String(cString: strerror(errno))
            close(output[0])
            close(output[1])
            throw StepFailure("cannot create a pipe for the command's output: \(reason)")
        }
        (outputRead, outputWrite) = (output[0], output[1])
        (errorRead, errorWrite) = (error[0], error[1])
    }

    func closeWriteEnds() {
        close(outputWrite)
        close(errorWrite)
    }
}
