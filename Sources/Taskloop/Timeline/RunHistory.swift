import Foundation

/// The runs logged beside pipeline files: `<folder>/.taskloop/runs/<run-id>/events.jsonl`.
/// Several pipelines of one folder share it; each run's `run-started` event
/// says which file it ran. Reads files (blocking): use it before a run's
/// event loop starts, as the command line does.
public struct RunHistory: Sendable {
    /// The `.taskloop/runs` folder.
    public let folder: String

    public init(pipelineDirectory: String) {
        folder = (pipelineDirectory.isEmpty ? "." : pipelineDirectory) + "/.taskloop/runs"
    }

    /// The ids of the logged runs, oldest first (ids sort by start time).
    public func runIDs() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { FileManager.default.fileExists(atPath: logPath(of: $0)) }.sorted()
    }

    /// The id of the latest run of the pipeline file whose identity is
    /// `file`. Ids order runs by the second they started; runs of one second
    /// are ordered by the start time their logs record.
    public func latestRun(ofFile file: String) -> String? {
        var latest: (runID: String, start: Int64)?
        for runID in runIDs().reversed() {
            if let latest, !runID.hasPrefix(latest.runID.prefix(15)) { break }
            guard let started = Self.runStarted(inLogAt: logPath(of: runID)),
                Self.pipelineIdentity(of: started, logPath: logPath(of: runID)) == file
            else { continue }
            if started.startedAtUnixMicroseconds > latest?.start ?? .min {
                latest = (runID, started.startedAtUnixMicroseconds)
            }
        }
        return latest?.runID
    }

    /// The event log `argument` names, as `--resume` and `taskloop timeline`
    /// take it: the path of an events.jsonl (any `.jsonl`), a run's folder,
    /// the id of a run in this history, or else any path that exists (a log
    /// written with `--events run.log`; a folder or a pipe there is refused
    /// with what it is when read).
    public func eventLogPath(named argument: String) throws(SelectionError) -> String {
        if let log = PreviousRun.logPath(named: argument) { return log }
        let path = logPath(of: argument)
        if FileManager.default.fileExists(atPath: path) { return path }
        var status = stat()
        if stat(argument, &status) == 0 { return argument }
        throw .unknownRunID(argument, folder: folder, latest: Array(runIDs().suffix(5).reversed()))
    }

    public func logPath(of runID: String) -> String {
        folder + "/" + runID + "/events.jsonl"
    }

    /// A file's absolute path with `.`, `..` and symbolic links resolved:
    /// two names of one file give the same identity.
    public static func identity(ofFile path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// The identity of the pipeline file a logged run ran. Logs of older
    /// versions do not record it: then the file is taken to be beside the log's
    /// `.taskloop` folder when the log is in one, else relative to here.
    public static func pipelineIdentity(of started: RunStarted, logPath: String) -> String {
        if let recorded = started.filePath { return recorded }
        let parts = identity(ofFile: logPath).split(separator: "/", omittingEmptySubsequences: false)
        if parts.count >= 5, parts[parts.count - 4] == ".taskloop", parts[parts.count - 3] == "runs" {
            let pipelineFolder = parts.dropLast(4).joined(separator: "/")
            return identity(ofFile: pipelineFolder + "/" + (started.file as NSString).lastPathComponent)
        }
        return identity(ofFile: started.file)
    }

    /// The `run-started` event of the log at `path`, read from its first two
    /// lines only (a log can be large); nil when there is none.
    public static func runStarted(inLogAt path: String) -> RunStarted? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var data = Data()
        var newlineCount = 0
        while newlineCount < 2, let chunk = try? handle.read(upToCount: 64 * 1024), !chunk.isEmpty {
            newlineCount += chunk.count(where: { $0 == UInt8(ascii: "\n") })
            data.append(chunk)
        }
        // The header and the first event: the bytes up to the second newline.
        let newlines = data.indices.lazy.filter { data[$0] == UInt8(ascii: "\n") }.prefix(2)
        guard let end = newlines.dropFirst().first,
            let log = try? EventLog.parse(data[...end], path: path),
            case .runStarted(let started) = log.events.first?.payload
        else { return nil }
        return started
    }
}
