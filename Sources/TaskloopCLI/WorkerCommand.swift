import ArgumentParser
import Taskloop

/// `taskloop worker`: the hidden mode a worker process runs in. It speaks the
/// worker protocol on stdin and stdout and exits when stdin closes.
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Serve CPU steps for a running taskloop over stdin and stdout (started by taskloop itself).",
        shouldDisplay: false
    )

    func run() throws {
        WorkerMain.run(registry: TaskloopMain.registry)
    }
}
