import Foundation

/// How a worker process is started: an executable and its arguments. The
/// worker speaks the wire protocol on its stdin and stdout, so the command may
/// as well be `ssh host taskloop worker` or `srun taskloop worker`.
public struct WorkerLaunch: Sendable, Hashable {
    public var executable: String
    public var arguments: [String]
    /// The executor the command starts workers on (nil: this machine).
    public var executor: Executor?

    public init(executable: String, arguments: [String], executor: Executor? = nil) {
        self.executable = executable
        self.arguments = arguments
        self.executor = executor
    }

    /// The arguments that put `taskloop` (or a plugin's runner) in its hidden
    /// worker mode.
    public static let workerModeArguments = ["worker"]

    /// This very executable in its hidden worker mode: `<self> worker`. A
    /// plugin's runner re-runs itself, so its CPU functions exist in its workers.
    public static var currentExecutable: WorkerLaunch {
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return WorkerLaunch(executable: path, arguments: workerModeArguments)
    }
}
