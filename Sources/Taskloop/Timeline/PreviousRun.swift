import Foundation

/// An earlier run, as `--resume` needs it: which steps succeeded (ran, or were
/// themselves reused) with their outputs, the fingerprints of its steps, and
/// its parameters. Read from its event log, which may end early (a killed run
/// is resumable too).
public struct PreviousRun: Sendable {
    public var runID: String
    public var logPath: String
    /// The identity of the pipeline file it ran (see ``RunHistory/identity(ofFile:)``).
    public var pipelineFile: String
    public var parameters: [String: String]
    /// The steps that succeeded, with the run each actually ran in; not those
    /// whose recorded outputs had a secret masked (the real values were never
    /// written down, so the step must run again).
    public var succeeded: [StepID: ReusedStep]
    /// Each step's fingerprint as recorded (absent in logs of older versions).
    public var digests: [StepID: String]

    public init(log: EventLog, path: String) throws(SelectionError) {
        guard case .runStarted(let started) = log.events.first(where: {
            if case .runStarted = $0.payload { return true }
            return false
        })?.payload else {
            throw .noRunStarted(path: path)
        }
        runID = started.runID
        logPath = path
        pipelineFile = RunHistory.pipelineIdentity(of: started, logPath: path)
        parameters = started.parameters
        digests = Dictionary(started.steps.compactMap { step in step.digest.map { (step.id, $0) } }, uniquingKeysWith: { first, _ in first })
        let record = RunRecord(events: log.events)
        succeeded = Dictionary(record.steps.compactMap { step in
            guard step.status == .success, !step.outputsMasked else { return nil }
            return (step.id, ReusedStep(fromRun: step.reusedFrom ?? started.runID, outputs: step.outputs ?? [:]))
        }, uniquingKeysWith: { first, _ in first })
    }

    /// The run `argument` names, for `pipeline`: `last` (its newest logged
    /// run), a run id from `.taskloop/runs` beside it, or the path of an
    /// events.jsonl. Refuses a run of another pipeline file.
    public static func locate(_ argument: String, for pipeline: Pipeline) throws(SelectionError) -> PreviousRun {
        let history = RunHistory(pipelineDirectory: pipeline.directory)
        let file = RunHistory.identity(ofFile: pipeline.file)
        let path: String
        if argument == "last" {
            guard let newest = history.latestRun(ofFile: file) else {
                throw .noEarlierRun(file: pipeline.file, folder: history.folder)
            }
            path = history.logPath(of: newest)
        } else {
            path = try history.eventLogPath(named: argument)
        }
        let log: EventLog
        do {
            log = try EventLog.read(path: path)
        } catch {
            throw .unreadableLog(error)
        }
        let run = try PreviousRun(log: log, path: path)
        guard run.pipelineFile == file else {
            throw .otherPipeline(runID: run.runID, recorded: run.pipelineFile, current: pipeline.file)
        }
        return run
    }

    /// The event log a value names, when it names one rather than a run id:
    /// a path ending in `.jsonl`, or a folder that holds an `events.jsonl`
    /// (a run's folder).
    public static func logPath(named value: String) -> String? {
        if value.hasSuffix(".jsonl") { return value }
        let inFolder = (value.hasSuffix("/") ? value : value + "/") + "events.jsonl"
        return FileManager.default.fileExists(atPath: inFolder) ? inFolder : nil
    }

    /// Whether a `--resume` value has the shape of a run id
    /// (`20261125-140512-3f9a`).
    public static func looksLikeRunID(_ value: String) -> Bool {
        let parts = value.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 8, parts[1].count == 6, !parts[2].isEmpty else { return false }
        return parts[0].allSatisfy(\.isASCIIDigit) && parts[1].allSatisfy(\.isASCIIDigit) && parts[2].allSatisfy(\.isHexDigit)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
