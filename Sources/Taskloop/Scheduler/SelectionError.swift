/// Why the steps of a run could not be chosen: a step name that is not in
/// the pipeline, or an earlier run that cannot be resumed. Each message says
/// what happened, where, and what to do.
public enum SelectionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A step that would be reused, but whose definition changed since.
    public struct ChangedStep: Sendable, Hashable {
        public var id: StepID
        public var location: SourceLocation
        /// False when the earlier run's log has no fingerprint for the step
        /// (written by a Taskloop that did not record them).
        public var wasRecorded: Bool
    }

    /// `option` is nil for the step names of `taskloop run FILE STEP...`.
    case unknownStep(String, option: String?, file: String, suggestion: String)
    case stepsChanged(runID: String, steps: [ChangedStep])
    case parameterChanged(runID: String, name: String, was: String, now: String)
    /// `--resume` without a run id, and this pipeline has no logged run.
    case noEarlierRun(file: String, folder: String)
    case unknownRunID(String, folder: String, latest: [String])
    case unreadableLog(EventLogError)
    case noRunStarted(path: String)
    case otherPipeline(runID: String, recorded: String, current: String)

    /// The message as the command line prints it: `error: ...`, or for
    /// changed steps `file:line:column: error: ...`, one line each.
    public var rendered: String {
        guard case .stepsChanged(let runID, let steps) = self else { return "error: " + description }
        return steps.map { "\($0.location): error: " + Self.changed($0, runID: runID) }.joined(separator: "\n")
    }

    public var description: String {
        switch self {
        case .unknownStep(let name, let option, let file, let suggestion):
            let what = option.map { "\($0) names `\(name)`, which" } ?? "`\(name)`"
            return "\(what) is not a step of \(file)\(suggestion)"
        case .stepsChanged(let runID, let steps):
            return steps.map { "\($0.location): " + Self.changed($0, runID: runID) }.joined(separator: "\n")
        case .parameterChanged(let runID, let name, let was, let now):
            return "cannot resume run \(runID): parameter `\(name)` was `\(was)` there and is `\(now)` now; "
                + "pass --param \(name)=\(was) to resume it, or run without --resume"
        case .noEarlierRun(let file, let folder):
            return "no earlier run of \(file) to resume: \(folder) holds none; run without --resume"
        case .unknownRunID(let id, let folder, let latest):
            let list = latest.isEmpty ? "it holds no runs" : "the latest are " + latest.joined(separator: ", ")
            return "no run `\(id)` in \(folder) (\(list)); name a run id from there, or an events.jsonl path"
        case .unreadableLog(let error):
            return "cannot resume: \(error.description)"
        case .noRunStarted(let path):
            return "cannot resume from \(path): the log has no run-started event (the run was killed before it began); run without --resume"
        case .otherPipeline(let runID, let recorded, let current):
            return "cannot resume run \(runID) with \(current): it ran \(recorded); resume it with `taskloop run \(recorded) --resume \(runID)`"
        }
    }

    private static func changed(_ step: ChangedStep, runID: String) -> String {
        let why = step.wasRecorded
            ? "its definition has changed since that run"
            : "that run's log has no fingerprint of it (it was written by an older Taskloop)"
        return "cannot resume run \(runID): step `\(step.id)` succeeded there and would be reused, but \(why); "
            + "run without --resume to run everything again, or revert the change to `\(step.id)`"
    }
}
