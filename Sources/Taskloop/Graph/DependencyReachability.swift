/// Answers, for many pairs of steps of one graph, whether a step needs
/// another, directly or through the steps it needs.
///
/// Each answer is remembered per target for every step its search settled:
/// every step on the path that found the target reaches it, and (in a graph
/// without cycles) every step whose needs were all searched in vain does not.
/// A later search stops at the first settled step. So the usual shapes cost
/// about one step each: a step reading a direct need, every step of a long
/// chain reading the same early step, each link reading the one before.
/// (Listing the transitive needs of each reading step instead costs the
/// length of the chain per step: quadratic.)
final class DependencyReachability {
    private let graph: StepGraph
    private var dependencies: [[Int]] { graph.dependencies }
    /// In a graph with a cycle, a search cut short where it met a step
    /// already on its path settles nothing negative. Found on the first
    /// search (most pipelines' expressions read only direct needs).
    private lazy var isAcyclic = graph.topologicalOrder().count == graph.dependencies.count
    /// Per target: for each settled step, whether it is the target or needs it.
    private var settled: [Int: [Int: Bool]] = [:]

    init(graph: StepGraph) {
        self.graph = graph
    }

    /// Whether `step` needs `target`, directly or not (a step does not need
    /// itself unless it is on a cycle).
    func needs(_ step: Int, _ target: Int) -> Bool {
        if let known = settled[target]?[step], step != target { return known }
        if dependencies[step].contains(target) {
            settled[target, default: [:]][step] = true
            return true
        }
        // Taken out and put back, so that adding to it copies nothing.
        var known = settled.removeValue(forKey: target) ?? [:]
        defer { settled[target] = known }
        /// The steps being searched, each with the position of its next need.
        var path: [(step: Int, next: Int)] = [(step, 0)]
        var visited: Set<Int> = [step]
        while let top = path.last {
            guard top.next < dependencies[top.step].count else {
                path.removeLast()
                if isAcyclic, top.step != target { known[top.step] = false }
                continue
            }
            path[path.count - 1].next += 1
            let need = dependencies[top.step][top.next]
            if need == target || known[need] == true {
                for entry in path where entry.step != target { known[entry.step] = true }
                return true
            }
            if known[need] == false || !visited.insert(need).inserted { continue }
            path.append((need, 0))
        }
        return false
    }
}
