#if canImport(Glibc)
import Glibc
#endif

/// Why an event log could not be written or read.
public enum EventLogError: Error, Sendable, Hashable, CustomStringConvertible {
    case cannotCreate(path: String, errno: Int32)
    /// `--events` names a file that is not an event log: appending would spoil it.
    case notAnEventLogToAppendTo(path: String)
    /// `--events` names a named pipe or a socket: once nobody reads it, the
    /// log's writes would wait forever, and the run with them.
    case notAFile(path: String, kind: String)
    /// Another run is writing to the log (it holds its lock).
    case inUse(path: String)
    /// A write failed during the run (a full disk): the log ends at its last whole line.
    case writeFailed(path: String, errno: Int32)
    case cannotRead(path: String, reason: String)
    case notAnEventLog(path: String)
    case unsupportedVersion(path: String, version: Int)
    case malformedLine(path: String, line: Int, reason: String)

    public var description: String {
        switch self {
        case .cannotCreate(let path, let code):
            return "cannot create the event log \(path): \(String(cString: strerror(code))); choose another place with --events PATH"
        case .notAnEventLogToAppendTo(let path):
            return "cannot log the run to \(path): the file exists and is not a Taskloop event log; choose another place with --events PATH"
        case .notAFile(let path, let kind):
            return "cannot log the run to \(path): it is \(kind), whose writes wait for a reader; choose a file with --events PATH"
        case .inUse(let path):
            return "cannot log the run to \(path): another run is writing to it; choose another place with --events PATH"
        case .writeFailed(let path, let code):
            return "the event log \(path) is incomplete: \(String(cString: strerror(code))); it ends at the last event written, so the run's end is not recorded there"
        case .cannotRead(let path, let reason):
            return "cannot read the event log \(path): \(reason)"
        case .notAnEventLog(let path):
            return "\(path):1: not a Taskloop event log (the first line must be {\"format\":\"\(EventLogFormat.name)\",...})"
        case .unsupportedVersion(let path, let version):
            return "\(path):1: event log version \(version) is not supported; this Taskloop reads versions \(EventLogFormat.readableVersions.lowerBound) to \(EventLogFormat.readableVersions.upperBound): re-run the pipeline to record a new log, or use a matching Taskloop"
        case .malformedLine(let path, let line, let reason):
            return "\(path):\(line): malformed event: \(reason)"
        }
    }
}
