/// What a run does with one step before anything starts.
public enum StepChoice: Sendable, Hashable {
    /// The step runs (when its needs allow, as usual).
    case run
    /// The step succeeded in the run being resumed: it does not run, and its
    /// recorded outputs stand in for it.
    case reuse
    /// The step does not run: it was not selected, or named with `--skip`.
    case leaveOut(SkipReason)
}
