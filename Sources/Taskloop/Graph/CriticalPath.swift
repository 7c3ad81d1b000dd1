/// The chain of steps that decided when a run ended: from the step that
/// finished last, back through the need that finished last before it, and so
/// on. Shortening any other step would not have ended the run sooner.
public struct CriticalPath: Sendable, Hashable {
    /// First step first.
    public var steps: [StepID]
    /// From the first step's start to the last step's end, in microseconds.
    public var length: Int64

    public init(record: RunRecord) {
        let byID = Dictionary(record.steps.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let needs = Dictionary((record.started?.steps ?? []).map { ($0.id, $0.needs) }, uniquingKeysWith: { first, _ in first })
        guard var current = record.steps.filter({ $0.finishedAt != nil }).max(by: { $0.finishedAt! < $1.finishedAt! }) else {
            self.steps = []
            self.length = 0
            return
        }
        var path = [current]
        var visited: Set<StepID> = [current.id]
        while let previous = (needs[current.id] ?? []).compactMap({ byID[$0] })
            .filter({ $0.finishedAt != nil && !visited.contains($0.id) })
            .max(by: { $0.finishedAt! < $1.finishedAt! })
        {
            path.append(previous)
            visited.insert(previous.id)
            current = previous
        }
        path.reverse()
        self.steps = path.map(\.id)
        self.length = (path.last?.finishedAt ?? 0) - (path.first?.startedAt ?? 0)
    }
}
