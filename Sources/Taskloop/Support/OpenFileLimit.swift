import CTaskloopShims
import NIOCore
import NIOFileSystem
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The open-file limit (`RLIMIT_NOFILE`, `ulimit -n`) and what it allows.
///
/// Every running I/O step holds file descriptors (a shell step: its two
/// output pipes and its pidfd; an HTTP step: a socket; a file step: a file
/// or two), and a process that runs out of them fails in odd places. So, as
/// Go's runtime does, Taskloop raises its soft limit to the hard limit when
/// a run starts (children get the original back), and when even the hard
/// limit is too low for `limits.io`, runs fewer I/O steps at once and says
/// so.
enum OpenFileLimit {
    /// Descriptors one running I/O step may hold at its peak: a shell step's
    /// two pipes (four ends until its command starts), its pidfd, and its
    /// `$TASKLOOP_OUTPUT` file, held open while the command runs (and closed
    /// before it is opened again to be read).
    static let descriptorsPerStep = 6
    /// Descriptors kept for the rest of Taskloop: standard streams, the event
    /// loop, the event log, the guardian, each worker's pipes, spare.
    static let reserved = 64
    static let descriptorsPerWorker = 4

    /// Below this many descriptors Taskloop does not start a run: its own
    /// event loop, thread pool and log need about twenty.
    static let minimum = 32

    /// A run refused because the limit is below ``minimum``.
    struct TooLow: Error, CustomStringConvertible {
        var limit: Int

        var description: String {
            "the open-file limit (`ulimit -n` \(limit)) is too low to run a pipeline: Taskloop needs at least \(OpenFileLimit.minimum) open files; raise it (`ulimit -n 65536` in the shell that starts taskloop)"
        }
    }

    /// The limit Taskloop was started with, before ``raise()``; nil until then.
    static var original: Limit? { state.withLock { $0.original } }

    /// A soft and a hard limit, as `getrlimit` gives them.
    struct Limit: Sendable {
        var soft: UInt64
        var hard: UInt64

        /// The limit in force now, or nil when it cannot be read.
        static func read() -> Limit? {
            var limit = Limit(soft: 0, hard: 0)
            return taskloop_get_file_limit(&limit.soft, &limit.hard) == 0 ? limit : nil
        }
    }

    private struct State {
        var original: Limit?
        var current: Limit?
    }

    private static let state = Mutex(State())

    /// Raises the soft limit to the hard limit, once per process; returns the
    /// soft limit now in force.
    @discardableResult
    static func raise() -> Int {
        state.withLock { state in
            if let current = state.current { return Self.count(current.soft) }
            guard var limit = Limit.read() else { return Int.max }
            state.original = limit
            if limit.soft < limit.hard, taskloop_set_file_limit(limit.hard, limit.hard) == 0 {
                limit.soft = limit.hard
            }
            state.current = limit
            return Self.count(limit.soft)
        }
    }

    /// The soft limit in force now.
    static var current: Int {
        guard let limit = Limit.read() else { return Int.max }
        return count(limit.soft)
    }

    /// How many I/O steps can run at once within `limit` descriptors, next
    /// to `workers` worker processes (at least 1).
    static func ioSteps(within limit: Int, workers: Int) -> Int {
        guard limit < Int.max / 2 else { return Int.max }
        return max(1, (limit - reserved - workers * descriptorsPerWorker) / descriptorsPerStep)
    }

    /// What a run says when it runs fewer I/O steps at once than `limits.io`.
    static func cappedNotice(io: Int, requested: Int, limit: Int) -> String {
        "warning: the open-file limit (`ulimit -n` \(limit)) allows about \(io) I/O steps at once, not the \(requested) of `limits.io`: running at most \(io) at once; raise the limit (`ulimit -n 65536` in the shell that starts taskloop) to run more"
    }

    /// What to say when a descriptor could not be had.
    static var exhaustedMessage: String {
        "too many open files: Taskloop reached its open-file limit of \(current) (`ulimit -n`); raise it (`ulimit -n 65536` in the shell that starts taskloop), or lower `limits.io`"
    }

    /// Whether `error` says a process ran out of descriptors (EMFILE).
    static func isOutOfDescriptors(_ error: any Error) -> Bool {
        switch error {
        case let failure as FileSystemError:
            return failure.cause.map(isOutOfDescriptors) ?? false
        case let failure as FileSystemError.SystemCallError:
            return failure.errno == .tooManyOpenFiles
        case let failure as IOError:
            return failure.errnoCode == EMFILE
        case let failure as SpawnFailure:
            return failure.code == EMFILE
        default:
            return false
        }
    }

    private static func count(_ value: UInt64) -> Int {
        value >= UInt64(Int.max) ? Int.max : Int(value)
    }
}
