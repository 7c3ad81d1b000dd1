/// What a run does when a step fails.
public enum FailurePolicy: String, Sendable, Hashable, Codable {
    /// The default: a failure cancels the running steps and skips the rest.
    case failFast = "fail-fast"
    /// Run everything that does not depend on a failed step (`--keep-going`).
    case keepGoing = "keep-going"
}

/// How a step ended, as the event log and every report name it.
public enum StepStatus: String, Sendable, Hashable, Codable {
    case success
    case failure
    /// Stopped while running: by fail-fast after another step failed, or by an interrupt.
    case cancelled
    /// Never started, because of a failure or an interrupt.
    case skipped
}

/// Why a step never ran.
public enum SkipReason: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A step it needs (directly or not) failed, was skipped or cancelled.
    case needNotSatisfied(StepID)
    /// Fail-fast stopped the run after this step failed.
    case failFast(after: StepID)
    /// The run was interrupted (Ctrl-C, SIGTERM).
    case interrupted
    /// The pipeline's `timeout` (or `--timeout`) elapsed.
    case pipelineTimeout(Duration)
    /// The run was asked for other steps (`taskloop run FILE STEP...`), and
    /// none of them needs this one.
    case notSelected
    /// Named with `--skip`.
    case skippedByOption

    public var description: String {
        switch self {
        case .needNotSatisfied(let id): return "needs `\(id)`, which did not succeed"
        case .failFast(let id): return "the run stopped after `\(id)` failed"
        case .interrupted: return "the run was interrupted"
        case .pipelineTimeout(let limit): return "the pipeline's timeout of \(limit.compactDescription) was reached"
        case .notSelected: return "not selected"
        case .skippedByOption: return "skipped by --skip"
        }
    }
}
