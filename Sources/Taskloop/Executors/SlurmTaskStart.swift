import Foundation

/// When a step's command actually starts on a Slurm node, told by the node.
///
/// `srun` starts at once but its job may wait in Slurm's queue for seconds or
/// hours; nothing Taskloop sees locally marks the end of that wait reliably
/// (`srun` prints `job 12 has been allocated resources` only when the job was
/// queued, and the node still has to start the task). So the command runs
/// under a wrapper that first writes one line to stderr, then execs the
/// command:
///
///     \u{1E}taskloop-running JOB STEP NODE
///
/// Slurm's own variables fill it in (`SLURM_JOB_ID`, `SLURM_STEP_ID`,
/// `SLURMD_NODENAME`), so it also names the job, the job step and the node
/// without asking `squeue`, which knows nothing of job steps once they end.
/// The line is the first thing the task writes, so only `srun`'s own messages
/// can come before it on stderr; the step's output reader takes it out of the
/// output (``StartMarkerWatch``). It arrives as the task starts, timed by
/// Taskloop's clock, so clocks of other machines play no part.
struct SlurmTaskStart: Sendable, Hashable {
    var jobID: String
    /// The job step (`0` for the first step of a job of its own).
    var stepID: String
    var node: String

    /// What the line starts with: a control character no command's first
    /// line of stderr starts with by accident, and a name that says whose it is.
    static let markerPrefix = "\u{1E}taskloop-running "

    /// `/bin/sh -c WRAPPER taskloop-step COMMAND`: writes the line, then
    /// becomes `/bin/sh -c COMMAND`, the same shell a local step gets.
    static func wrapping(_ command: String) -> [String] {
        let wrapper = #"printf '\036taskloop-running %s %s %s\n' "${SLURM_JOB_ID:-?}" "${SLURM_STEP_ID:-0}" "${SLURMD_NODENAME:-$(hostname)}" >&2; exec /bin/sh -c "$1""#
        return ["/bin/sh", "-c", wrapper, "taskloop-step", command]
    }

    init(jobID: String, stepID: String, node: String) {
        (self.jobID, self.stepID, self.node) = (jobID, stepID, node)
    }

    /// The rest of the line after ``markerPrefix``; nil if it is not three words.
    init?(markerRest: String) {
        let words = markerRest.split(separator: " ").map(String.init)
        guard words.count == 3 else { return nil }
        (jobID, stepID, node) = (words[0], words[1], words[2])
    }

    /// `vm · job 12` for a job of its own; inside an allocation, where every
    /// step shares the allocation's job, `vm · job 12.3`.
    func place(insideAllocation: Bool) -> String {
        "\(node) · job \(insideAllocation ? "\(jobID).\(stepID)" : jobID)"
    }

    /// Whether Taskloop runs inside an allocation (`salloc`, `sbatch`): its
    /// `srun`s then start job steps of that job.
    static let insideAllocation = ProcessEnvironment.atStart["SLURM_JOB_ID"].map { !$0.isEmpty } ?? false
}

/// Watches a command's stderr for the line an executor's wrapper writes as
/// the command starts (``SlurmTaskStart``): until it comes, each line is
/// checked; that line is taken out of the output and handed to `found`, and
/// nothing after it is checked.
struct StartMarkerWatch: Sendable {
    let prefix: String
    /// Called on the step's event loop with the rest of the line.
    let found: @Sendable (String) -> Void
}
