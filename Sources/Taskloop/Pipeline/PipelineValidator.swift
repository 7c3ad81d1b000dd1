/// Checks what steps refer to: every `needs` names a step of the pipeline, and
/// the steps form no cycle. (Pools are checked where each step is decoded.)
struct PipelineValidator {
    let pipeline: Pipeline

    func validate() -> [Diagnostic] {
        var problems: [Diagnostic] = []
        let ids = pipeline.steps.map(\.id.rawValue)
        let known = Set(ids)
        for step in pipeline.steps {
            for need in step.needs where !known.contains(need.id.rawValue) {
                problems.append(Diagnostic(.unknownNeed(need.id.rawValue, step: step.id.rawValue, known: ids), at: need.location))
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
