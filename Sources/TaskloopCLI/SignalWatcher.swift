import Dispatch
import Synchronization
import Taskloop

#if canImport(Glibc)
import Glibc
#endif

/// Turns SIGINT and SIGTERM into an interruption of the run: the first one
/// stops new work and cancels running steps (their process groups get
/// SIGTERM, then SIGKILL after the grace period); a second one exits at once.
final class SignalWatcher {
    private final class Received: Sendable {
        let state = Mutex<(count: Int, terminate: Bool)>((0, false))
    }

    private let sources: [any DispatchSourceSignal]
    private let received = Received()

    init(interrupter: RunInterrupter) {
        var sources: [any DispatchSourceSignal] = []
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            sources.append(source)
        }
        self.sources = sources
        for (source, signalNumber) in zip(sources, [SIGINT, SIGTERM]) {
            source.setEventHandler { [received] in
                let count = received.state.withLock { state in
                    state.count += 1
                    if signalNumber == SIGTERM { state.terminate = true }
                    return state.count
                }
                if count == 1 {
                    let notice = "taskloop: stopping (\(signalNumber == SIGINT ? "SIGINT" : "SIGTERM")): cancelling running steps; send it again to exit at once"
                    // Through the run's console when it draws live progress
                    // on this terminal, so the notice does not tear its status area.
                    if !interrupter.interrupt(announcing: notice) {
                        FileHandleOutput.standardError("\n" + notice + "\n")
                    }
                } else {
                    // Exit at once, but take every process group a step or
                    // worker leads along: nothing is left running.
                    ChildProcesses.killAll()
                    _exit(signalNumber == SIGINT ? 130 : 143)
                }
            }
            source.resume()
        }
    }

    var receivedTerminate: Bool { received.state.withLock { $0.terminate } }

    func stop() {
        for source in sources { source.cancel() }
    }
}
