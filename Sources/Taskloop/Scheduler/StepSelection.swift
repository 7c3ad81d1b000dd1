/// A step that succeeded in an earlier run, as a resumed run reuses it.
public struct ReusedStep: Sendable, Hashable {
    /// The run in which the step actually ran (not a run that reused it).
    public var fromRun: String
    public var outputs: StepOutputs

    public init(fromRun: String, outputs: StepOutputs) {
        self.fromRun = fromRun
        self.outputs = outputs
    }
}

/// Which steps a run runs, as `taskloop run FILE [STEP...] [--skip STEP]...
/// [--resume [RUN]]` chooses them:
///
/// - Named steps run with everything they need (transitively); the others
///   are not selected. A name also selects the step's matrix expansions
///   (`test` selects `test[os=linux]`). No names selects every step.
/// - Steps named with `--skip` do not run; the steps that need them are then
///   skipped as after any skipped need.
/// - Resuming reruns what did not succeed in the earlier run and every step
///   downstream of those; the steps that succeeded are reused, with their
///   outputs. Selection narrows what is rerun; `--skip` applies only to steps
///   that would run.
///
/// Resuming is refused when the earlier run's results may not hold any more:
/// a step to be reused whose definition changed since (see
/// ``StepFingerprint``), or a parameter whose value differs. A reusable step
/// that the selection does not need is carried over as reused when
/// unchanged (so a later resume still knows it succeeded), and left out as
/// not selected when changed.
public struct StepSelection: Sendable {
    /// One choice per step of the pipeline, in file order.
    public var choices: [StepChoice]
    /// The outputs and origin of each reused step.
    public var reused: [StepID: ReusedStep]
    /// The id of the run being resumed.
    public var resumedFrom: String?

    /// Every step runs.
    public static func all(_ pipeline: Pipeline) -> StepSelection {
        StepSelection(choices: Array(repeating: .run, count: pipeline.steps.count), reused: [:], resumedFrom: nil)
    }

    private init(choices: [StepChoice], reused: [StepID: ReusedStep], resumedFrom: String?) {
        self.choices = choices
        self.reused = reused
        self.resumedFrom = resumedFrom
    }

    /// True when no step would run: a resume of a run whose needed steps all
    /// succeeded.
    public var runsNothing: Bool { !choices.contains(.run) }

    public init(
        pipeline: Pipeline, selecting names: [String] = [], skipping skipNames: [String] = [],
        resuming previous: PreviousRun? = nil
    ) throws(SelectionError) {
        let graph = StepGraph(steps: pipeline.steps)
        let named = try Self.resolve(names, option: nil, in: pipeline)
        let skipped = try Self.resolve(skipNames, option: "--skip", in: pipeline)
        var selected = Set(pipeline.steps.indices)
        if !names.isEmpty {
            selected = named
            for step in named { selected.formUnion(graph.transitiveDependencies(of: step)) }
        }
        func fresh(_ step: Int) -> StepChoice {
            guard selected.contains(step) else { return .leaveOut(.notSelected) }
            return skipped.contains(step) ? .leaveOut(.skippedByOption) : .run
        }
        guard let previous else {
            self.init(choices: pipeline.steps.indices.map(fresh), reused: [:], resumedFrom: nil)
            return
        }

        for (name, now) in pipeline.parameters.sorted(by: { $0.key < $1.key }) {
            if let was = previous.parameters[name], was != now {
                throw .parameterChanged(runID: previous.runID, name: name, was: was, now: now)
            }
        }
        // Everything downstream of a step that did not succeed runs again:
        // its inputs may change.
        var rerun = Set(pipeline.steps.indices.filter { previous.succeeded[pipeline.steps[$0].id] == nil })
        var pending = Array(rerun)
        while let step = pending.popLast() {
            for dependent in graph.dependents[step] where rerun.insert(dependent).inserted { pending.append(dependent) }
        }

        var choices: [StepChoice] = []
        var reused: [StepID: ReusedStep] = [:]
        var changed: [SelectionError.ChangedStep] = []
        for (index, step) in pipeline.steps.enumerated() {
            guard !rerun.contains(index), let earlier = previous.succeeded[step.id] else {
                choices.append(fresh(index))
                continue
            }
            let recorded = previous.digests[step.id]
            guard recorded == StepFingerprint.digest(of: step, in: pipeline) else {
                if selected.contains(index) {
                    changed.append(.init(id: step.id, location: step.location, wasRecorded: recorded != nil))
                }
                choices.append(.leaveOut(.notSelected))
                continue
            }
            choices.append(.reuse)
            reused[step.id] = earlier
        }
        if !changed.isEmpty { throw .stepsChanged(runID: previous.runID, steps: changed) }
        self.init(choices: choices, reused: reused, resumedFrom: previous.runID)
    }

    /// The steps `names` select: each name selects the step of that id and
    /// its matrix expansions (`name[...]`).
    private static func resolve(_ names: [String], option: String?, in pipeline: Pipeline) throws(SelectionError) -> Set<Int> {
        var result = Set<Int>()
        for name in names {
            let matches = pipeline.steps.indices.filter { index in
                let id = pipeline.steps[index].id.rawValue
                return id == name || (id.hasPrefix(name) && id.dropFirst(name.count).first == "[")
            }
            guard !matches.isEmpty else {
                let baseNames = pipeline.steps.map { String($0.id.rawValue.prefix { $0 != "[" }) }
                var seen = Set<String>()
                let known = baseNames.filter { seen.insert($0).inserted }
                throw .unknownStep(
                    name, option: option, file: pipeline.file,
                    suggestion: PipelineProblem.suggestion(for: name, among: known, listing: known.count <= 12))
            }
            result.formUnion(matches)
        }
        return result
    }
}
