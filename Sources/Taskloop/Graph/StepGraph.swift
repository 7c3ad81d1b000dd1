/// The dependency graph of a pipeline's steps, by index in file order.
/// Pure values: no I/O, linear time, no recursion (a 100,000-step chain is fine).
public struct StepGraph: Sendable {
    /// `dependencies[i]`: the steps step `i` needs, without duplicates.
    public let dependencies: [[Int]]
    /// `dependents[i]`: the steps that need step `i`.
    public let dependents: [[Int]]

    public init(steps: [Step]) {
        // By index, not `for step in steps`: a Step is large, and copying each
        // one shows in the load time of a 100,000-step pipeline.
        var indexOf: [StepID: Int] = [:]
        indexOf.reserveCapacity(steps.count)
        for index in steps.indices where indexOf[steps[index].id] == nil { indexOf[steps[index].id] = index }
        self.init(dependencies: steps.indices.map { index in
            let needs = steps[index].needs
            if needs.count == 1 { return indexOf[needs[0].id].map { [$0] } ?? [] }
            var seen = Set<Int>()
            return needs.compactMap { indexOf[$0.id] }.filter { seen.insert($0).inserted }
        })
    }

    public init(dependencies: [[Int]]) {
        self.dependencies = dependencies
        var dependents = [[Int]](repeating: [], count: dependencies.count)
        for (step, needs) in dependencies.enumerated() {
            for need in needs { dependents[need].append(step) }
        }
        self.dependents = dependents
    }

    /// Steps ordered so that each comes after all it needs; among steps that
    /// could go next, file order wins. Steps on a cycle are left out.
    public func topologicalOrder() -> [Int] {
        var remaining = dependencies.map(\.count)
        var ready = Heap<Int>(remaining.indices.filter { remaining[$0] == 0 })
        var order: [Int] = []
        order.reserveCapacity(dependencies.count)
        while let step = ready.popMin() {
            order.append(step)
            for dependent in dependents[step] {
                remaining[dependent] -= 1
                if remaining[dependent] == 0 { ready.insert(dependent) }
            }
        }
        return order
    }

    /// One cycle for each group of steps that need each other (a strongly
    /// connected component with more than one step, or a step that needs
    /// itself), as a path following `needs` that ends where it starts:
    /// `[a, b, c, a]`. Each cycle starts at its first step in file order.
    public func cycles() -> [[Int]] {
        var cycles: [[Int]] = []
        for component in stronglyConnectedComponents() {
            let members = Set(component)
            guard let start = component.min() else { continue }
            if component.count == 1 && !dependencies[start].contains(start) { continue }
            // Walk from `start` along needs inside the component until it returns.
            var path = [start]
            var position = [start: 0]
            var current = start
            while true {
                let next = dependencies[current].filter { members.contains($0) }.min()!
                if let seenAt = position[next] {
                    cycles.append(Array(path[seenAt...]) + [next])
                    break
                }
                position[next] = path.count
                path.append(next)
                current = next
            }
        }
        return cycles.sorted { $0[0] < $1[0] }
    }

    /// Every step that `step` needs, directly or not.
    public func transitiveDependencies(of step: Int) -> Set<Int> {
        var seen = Set<Int>()
        var pending = dependencies[step]
        while let next = pending.popLast() {
            if seen.insert(next).inserted { pending.append(contentsOf: dependencies[next]) }
        }
        return seen
    }

    /// Tarjan's algorithm with an explicit stack.
    private func stronglyConnectedComponents() -> [[Int]] {
        let count = dependencies.count
        var index = [Int](repeating: -1, count: count)
        var lowLink = [Int](repeating: 0, count: count)
        var onStack = [Bool](repeating: false, count: count)
        var stack: [Int] = []
        var components: [[Int]] = []
        var nextIndex = 0

        for root in 0..<count where index[root] == -1 {
            var work: [(node: Int, edge: Int)] = [(root, 0)]
            index[root] = nextIndex; lowLink[root] = nextIndex; nextIndex += 1
            stack.append(root); onStack[root] = true
            while let (node, edge) = work.last {
                if edge < dependencies[node].count {
                    work[work.count - 1].edge += 1
                    let next = dependencies[node][edge]
                    if index[next] == -1 {
                        index[next] = nextIndex; lowLink[next] = nextIndex; nextIndex += 1
                        stack.append(next); onStack[next] = true
                        work.append((next, 0))
                    } else if onStack[next] {
                        lowLink[node] = min(lowLink[node], index[next])
                    }
                } else {
                    work.removeLast()
                    if let parent = work.last?.node { lowLink[parent] = min(lowLink[parent], lowLink[node]) }
                    if lowLink[node] == index[node] {
                        var component: [Int] = []
                        while let member = stack.popLast() {
                            onStack[member] = false
                            component.append(member)
                            if member == node { break }
                        }
                        components.append(component)
                    }
                }
            }
        }
        return components
    }
}

import HeapModule
