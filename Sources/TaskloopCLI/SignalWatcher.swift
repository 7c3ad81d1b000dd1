import CTaskloopShims
import Dispatch
import Synchronization
import Taskloop

#if canImport(Glibc)
import Glibc
#endif

/// Turns SIGINT, SIGTERM and SIGHUP into an interruption of the run: the
/// first one stops new work and cancels running steps (their process groups
/// get SIGTERM, then SIGKILL after the grace period); a second one exits at
/// once. SIGHUP (the terminal or the SSH session went away) stops the run as
/// SIGTERM does, unless taskloop was started with it ignored (`nohup`): then
/// it stays ignored and the run goes on.
final class SignalWatcher {
    private final class Received: Sendable {
        /// How many signals came, and the first one: it sets the exit status.
        let state = Mutex<(count: Int, first: Int32?)>((0, nil))
    }

    private let sources: [any DispatchSourceSignal]
    private let received = Received()

    init(interrupter: RunInterrupter) {
        let watched = [SIGINT, SIGTERM] + (taskloop_signal_is_ignored(SIGHUP) != 0 ? [] : [SIGHUP])
        var sources: [any DispatchSourceSignal] = []
        for signalNumber in watched {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            sources.append(source)
        }
        self.sources = sources
        for (source, signalNumber) in zip(sources, watched) {
            source.setEventHandler { [received] in
                let count = received.state.withLock { state in
                    state.count += 1
                    if state.first == nil { state.first = signalNumber }
                    return state.count
                }
                if count == 1 {
                    let notice = "taskloop: stopping (\(Self.name(of: signalNumber))): cancelling running steps; send it again to exit at once"
                    // Through the run's console when it draws live progress
                    // on this terminal, so the notice does not tear its status area.
                    if !interrupter.interrupt(announcing: notice) {
                        FileHandleOutput.standardError("\n" + notice + "\n")
                    }
                } else {
                    // Exit at once, but take every process group a step or
                    // worker leads along: nothing is left running.
                    ChildProcesses.killAll()
                    _exit(ExitStatus.stopped(by: signalNumber))
                }
            }
            source.resume()
        }
    }

    /// The exit status of a run these signals stopped: 128 plus the first
    /// signal's number, as a shell reports a command a signal ended (130
    /// for SIGINT, 143 for SIGTERM, 129 for SIGHUP).
    var interruptedExitStatus: Int32 {
        ExitStatus.stopped(by: received.state.withLock { $0.first } ?? SIGINT)
    }

    private static func name(of signalNumber: Int32) -> String {
        switch signalNumber {
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        case SIGHUP: return "SIGHUP"
        default: return "signal \(signalNumber)"
        }
    }

    func stop() {
        for source in sources { source.cancel() }
    }
}
