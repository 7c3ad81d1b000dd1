/// Checks what steps refer to: every `needs` names a step of the pipeline, and
/// the steps form no cycle. (Pools are checked where each step is decoded.)
struct PipelineValidator {
    let pipeline: Pipeline
    /// How messages name each step (by index): the id written in the file,
    /// shared by the steps a matrix makes. Empty: by their ids.
    var names: [String] = []
    /// Written ids that `needs` may name besides step ids (steps with a
    /// matrix), for suggestions.
    var knownNames: [String] = []

    func validate() -> [Diagnostic] {
        var problems: [Diagnostic] = []
        let ids = pipeline.steps.map(\.id.rawValue)
        let known = Set(ids)
        lazy var candidates = ids + knownNames
        for (index, step) in pipeline.steps.enumerated() {
            let name = names.indices.contains(index) ? names[index] : step.id.rawValue
            for need in step.needs where !known.contains(need.id.rawValue) {
                let nearest = NearestName.find(need.id.rawValue, among: candidates)
                problems.append(Diagnostic(.unknownNeed(need.id.rawValue, step: name, nearest: nearest), at: need.location))
            }
        }
        let graph = StepGraph(steps: pipeline.steps)
        for cycle in graph.cycles() {
            let first = pipeline.steps[cycle[0]]
            let next = pipeline.steps[cycle[1]].id
            let location = first.needs.first(where: { $0.id == next })?.location ?? first.location
            problems.append(Diagnostic(.dependencyCycle(cycle.map { pipeline.steps[$0].id.rawValue }), at: location))
        }
        return problems
    }
}
