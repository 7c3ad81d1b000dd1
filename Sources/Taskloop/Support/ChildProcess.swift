import CTaskloopShims
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// A process Taskloop started (a shell step's `/bin/sh`, a worker): the
/// leader of a new process group, registered with the ``ProcessGuardian``
/// before it runs anything, whose exit is watched through its pidfd.
///
/// Starting one is a `clone(CLONE_VM | CLONE_VFORK | CLONE_PIDFD)` (what
/// `posix_spawn` does, plus the guardian's registration and the pidfd in the
/// same call): the calling thread waits only until the child executes.
/// Nothing blocks afterwards: ``waitForExit(on:beforeReaping:)`` awaits the
/// ``ChildWatcher``.
///
/// Invariant: every ChildProcess is waited for exactly once; its pidfd is
/// closed only after the child has been reaped.
final class ChildProcess: Sendable {
    struct Configuration {
        var executable: String
        var arguments: [String]
        /// Added to (or replacing in) the environment Taskloop inherited.
        var environment: [String: String] = [:]
        var directory: String?
        /// nil reads /dev/null.
        var standardInput: CInt?
        var standardOutput: CInt
        var standardError: CInt
        /// Give the child the open-file limit Taskloop was started with, not
        /// the raised one (see ``OpenFileLimit``).
        var restoresFileLimit = true
    }

    let pid: pid_t
    private let pidfd: CInt

    private init(pid: pid_t, pidfd: CInt) {
        self.pid = pid
        self.pidfd = pidfd
    }

    /// Starts a child. Every descriptor passed in stays the caller's.
    static func spawn(_ configuration: Configuration) throws(SpawnFailure) -> ChildProcess {
        let path = Self.resolve(configuration.executable)
        var arguments = [strdup(configuration.executable)] + configuration.arguments.map { strdup($0) }
        arguments.append(nil)
        let overrides = configuration.environment.map { strdup("\($0.key)=\($0.value)") }
        defer {
            for pointer in arguments { free(pointer) }
            for pointer in overrides { free(pointer) }
        }
        var environment = Self.inheritedEntries(except: Set(configuration.environment.keys))
        environment.append(contentsOf: overrides)
        environment.append(nil)

        var pid: pid_t = 0
        var pidfd: CInt = -1
        var stage: CInt = 0
        // A C copy of the folder, freed once the child has executed.
        let directory = configuration.directory.flatMap { strdup($0) }
        defer { free(directory) }
        let error: CInt = path.withCString { path in
            arguments.withUnsafeBufferPointer { argv in
                environment.withUnsafeBufferPointer { envp in
                    var options = taskloop_spawn_options()
                    options.path = path
                    options.argv = argv.baseAddress
                    options.envp = envp.baseAddress
                    options.directory = UnsafePointer(directory)
                    options.stdin_fd = configuration.standardInput ?? -1
                    options.stdout_fd = configuration.standardOutput
                    options.stderr_fd = configuration.standardError
                    options.register_fd = ProcessGuardian.socket ?? -1
                    options.new_process_group = 1
                    if configuration.restoresFileLimit, let limit = OpenFileLimit.original {
                        options.set_file_limit = 1
                        options.file_limit_soft = limit.soft
                        options.file_limit_hard = limit.hard
                    }
                    return taskloop_spawn(&options, &pid, &pidfd, &stage)
                }
            }
        }
        guard error == 0 else {
            throw SpawnFailure(
                code: error, stage: Int(stage), executable: configuration.executable, directory: configuration.directory)
        }
        return ChildProcess(pid: pid, pidfd: pidfd)
    }

    /// Waits until the child has exited, runs `beforeReaping` while its pid
    /// (and so its process group's id) cannot have been reused, then reaps it.
    func waitForExit(on eventLoop: any EventLoop, beforeReaping: () -> Void) async -> ProcessTermination {
        let exited = eventLoop.makePromise(of: Void.self)
        let pidfd = self.pidfd
        if !ChildWatcher.shared.whenExited(pidfd, { exited.succeed() }) {
            // No watcher: look every 20 ms (never blocking the loop).
            eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(20)) { task in
                var descriptor = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
                if poll(&descriptor, 1, 0) > 0 {
                    task.cancel()
                    exited.succeed()
                }
            }
        }
        try? await exited.futureResult.get()
        beforeReaping()
        var didExit: CInt = 0
        var code: CInt = 0
        let reaped = taskloop_reap(pidfd, &didExit, &code)
        close(pidfd)
        guard reaped == 1 else { return .signaled(SIGKILL) }
        return didExit != 0 ? .exited(code) : .signaled(code)
    }

    /// The inherited environment's entries, except those named in `names`.
    /// The pointers are the process's own (`environ`), valid for the call.
    /// Names are compared byte by byte, with no string made per entry: a
    /// shell step passes a few names, the environment has dozens of entries.
    private static func inheritedEntries(except names: Set<String>) -> [UnsafeMutablePointer<CChar>?] {
        var entries: [UnsafeMutablePointer<CChar>?] = []
        guard var cursor = taskloop_environment() else { return entries }
        let excluded = names.map { $0.utf8CString }
        while let entry = cursor.pointee {
            cursor += 1
            let isExcluded = excluded.contains { name in
                let length = name.count - 1  // without the terminating NUL
                return name.withUnsafeBufferPointer { strncmp(entry, $0.baseAddress!, length) == 0 } && entry[length] == 61  // "="
            }
            if !isExcluded { entries.append(entry) }
        }
        return entries
    }

    /// `executable` as a path: as given when it has a slash, else the first
    /// executable of that name on `PATH`.
    private static func resolve(_ executable: String) -> String {
        guard !executable.utf8.contains(UInt8(ascii: "/")), let path = getenv("PATH").map({ String(cString: $0) }) else { return executable }
        for folder in path.split(separator: ":") {
            let candidate = "\(folder)/\(executable)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return executable
    }
}

/// How a child process ended.
enum ProcessTermination: Sendable, Hashable {
    case exited(Int32)
    case signaled(Int32)

    /// `exited with status 1`, `was killed by SIGKILL`.
    var description: String {
        switch self {
        case .signaled(let signal): return "was killed by \(SignalName.of(signal))"
        case .exited(let code): return "exited with status \(code)"
        }
    }
}

/// Why a child process could not be started.
struct SpawnFailure: Error, CustomStringConvertible {
    /// The errno value.
    var code: CInt
    /// Which step of starting failed (TASKLOOP_SPAWN_STAGE_*).
    var stage: Int
    var executable: String
    var directory: String?

    /// Whether it failed for want of a free file descriptor.
    var isOutOfDescriptors: Bool { code == EMFILE || code == ENFILE }

    var description: String {
        let reason = String(cString: strerror(code))
        if code == EMFILE { return "cannot start \(executable): \(OpenFileLimit.exhaustedMessage)" }
        if code == ENFILE { return "cannot start \(executable): the system's table of open files is full (\(reason))" }
        switch Int32(stage) {
        case Int32(TASKLOOP_SPAWN_STAGE_DIRECTORY):
            let fix: String
            switch code {
            case ENOENT: fix = "; the step's `cwd` must be an existing folder (make it in an earlier step, which this one `needs`)"
            case ENOTDIR: fix = "; the step's `cwd` must name a folder, not a file"
            case EACCES: fix = "; the step's `cwd` must be a folder this user may enter"
            default: fix = ""
            }
            return "could not start \(executable) in \(directory ?? "."): \(reason)\(fix)"
        case Int32(TASKLOOP_SPAWN_STAGE_EXECUTE):
            return "cannot execute \(executable): \(reason)"
        case Int32(TASKLOOP_SPAWN_STAGE_START) where code == EAGAIN:
            return "cannot start \(executable): too many processes (the process limit, `ulimit -u`, or the system's, was reached)"
        default:
            return "cannot start \(executable): \(reason)"
        }
    }
}
