/// How a run treats steps with `sources:`: the `--no-cache` and `--force`
/// flags, as a library value.
public struct IncrementalOptions: Sendable, Hashable {
    /// Steps to run even when up to date.
    public enum Force: Sendable, Hashable {
        case none
        case all
        /// These steps (a matrix step's id forces all its expansions).
        case steps(Set<StepID>)
    }

    /// False with `--no-cache`: nothing is restored from or stored in the cache.
    public var usesCache: Bool
    public var force: Force

    public init(usesCache: Bool = true, force: Force = .none) {
        self.usesCache = usesCache
        self.force = force
    }

    func forces(_ step: StepID) -> Bool {
        switch force {
        case .none: return false
        case .all: return true
        case .steps(let ids):
            if ids.contains(step) { return true }
            guard let bracket = step.rawValue.firstIndex(of: "[") else { return false }
            return ids.contains(StepID(String(step.rawValue[..<bracket])))
        }
    }
}
