/// The report's colours: one per step kind, and the statuses that override them.
enum Palette {
    static let waiting = "#d0d7de"
    /// A step's job queued in Slurm: started by Taskloop, not running yet.
    static let executorQueue = "#b6e3ff"
    static let earlierAttempt = "#ff8182"
    static let merged = "#57606a"
    static let failure = "#cf222e"
    static let tolerated = "#e16f24"
    static let cancelled = "#d4a72c"
    static let cpu = "#8250df"

    static func fill(_ step: RunRecord.StepRecord, runsInWorker: Bool) -> String {
        switch step.status {
        case .failure: return step.continueOnError ? tolerated : failure
        case .cancelled: return cancelled
        default: break
        }
        if runsInWorker { return cpu }
        switch step.kind {
        case "shell": return "#2da44e"
        case "http": return "#0969da"
        case "file": return "#bf8700"
        case "sleep": return "#6e7781"
        default: return "#1a7f37"
        }
    }

    /// The legend's entries, in the order the chart's reader needs them.
    static let legend: [(color: String, name: String)] = [
        ("#2da44e", "shell"), ("#0969da", "http"), (cpu, "cpu"), ("#bf8700", "file"), ("#6e7781", "sleep"),
        (failure, "failure"), (tolerated, "failure tolerated (continue-on-error)"), (earlierAttempt, "failed attempt, retried"),
        (cancelled, "cancelled"), (waiting, "waiting for capacity or a worker"), (executorQueue, "queued in Slurm (its job not started yet)"),
    ]
}
