/// One step of the pipeline as the loader makes it from a declared step: the
/// step itself, or one combination of its matrix.
struct ExpandedStep {
    /// The step's id: as written, or with its combination (`test[os=linux]`).
    var id: String
    /// The id as written in the file; messages about the step use it.
    var name: String
    /// What is decoded: the id's place, and the step's YAML with the
    /// combination's values filled in.
    var entry: ConfigNode.Entry
    /// The step's YAML as written, for the expression checks (their places
    /// are places in the file).
    var written: ConfigNode
    /// The keys the step's matrix combinations have; nil without a matrix.
    var matrixKeys: [String]?
    /// The combination's values; nil without a matrix.
    var matrixValues: [String: JSONValue]?
}

extension PipelineLoader {
    /// The fields whose `${{ }}` are evaluated: the kind's, `with:`, `env:`, and `sources:` and `generates:`.
    /// (`if:` is read as an expression; its matrix values are filled in there.)
    private var templatedFields: Set<String> {
        Set(registry.builtInNames + ["cpu", "with", "env", "sources", "generates"])
    }

    /// A declared step as the steps it makes: itself, or one per combination
    /// of its `matrix:`, each with the combination's values filled in where
    /// an expression reads only `matrix`. An expansion keeps the declared
    /// step's place, so every problem points at what was written.
    func expand(_ entry: ConfigNode.Entry, problems: inout [Diagnostic]) -> [ExpandedStep] {
        let id = entry.name
        guard case .mapping(let fields) = entry.value.content, let matrixEntry = fields.first(where: { $0.name == "matrix" }) else {
            return [ExpandedStep(id: id, name: id, entry: entry, written: entry.value)]
        }
        guard let matrix = Self.collecting(into: &problems, { () throws(PipelineDiagnostics) in try StepMatrix.decode(matrixEntry, step: id) }) else {
            // The step is still checked once, as written, so its other
            // problems are reported too; its expressions may read the keys written.
            return [ExpandedStep(id: id, name: id, entry: entry, written: entry.value, matrixKeys: Self.writtenKeys(of: matrixEntry.value))]
        }
        let keys = matrix.allKeys
        var ids = Set<String>()
        var steps: [ExpandedStep] = []
        for combination in matrix.combinations {
            let expandedID = matrix.id(of: combination, step: id)
            guard ids.insert(expandedID).inserted else {
                problems.append(Diagnostic(.duplicateMatrixCombination(expandedID, step: id), at: matrixEntry.key.location))
                continue
            }
            let values = combination.values
            let evaluator = ExpressionEvaluator(context: ExpressionContext(matrix: values))
            let filled = fields.filter { $0.name != "matrix" }.map { field in
                guard templatedFields.contains(field.name) else { return field }
                return ConfigNode.Entry(key: field.key, value: field.value.replacingScalars { node in
                    guard let text = node.scalarText, Template.containsExpression(text),
                          let template = try? Template.parse(text), template.readsMatrix else { return nil }
                    return template.substitutingMatrix(with: evaluator)
                })
            }
            steps.append(ExpandedStep(
                id: expandedID, name: id,
                entry: ConfigNode.Entry(key: ConfigNode(.scalar(expandedID, isPlain: false), at: entry.key.location),
                                        value: ConfigNode(.mapping(filled), at: entry.value.location)),
                written: entry.value, matrixKeys: keys, matrixValues: values))
        }
        return steps
    }

    /// The keys a matrix that could not be read names: its own and its
    /// `include` entries'.
    private static func writtenKeys(of matrix: ConfigNode) -> [String] {
        guard case .mapping(let entries) = matrix.content else { return [] }
        var keys = entries.map(\.name).filter { $0 != "include" && $0 != "exclude" }
        if let include = entries.first(where: { $0.name == "include" }), case .sequence(let items) = include.value.content {
            keys += items.flatMap(\.mappingKeys)
        }
        return keys
    }

    /// The steps with a matrix by their written id, with the ids they expand into.
    static func expansions(of steps: [ExpandedStep]) -> [String: [StepID]] {
        var expansions: [String: [StepID]] = [:]
        for step in steps where step.matrixValues != nil {
            expansions[step.name, default: []].append(StepID(step.id))
        }
        return expansions
    }

    /// `needs: [test]`, where `test` has a matrix, waits for every step it
    /// expands into.
    static func resolveNeeds(of steps: inout [Step], expansions: [String: [StepID]]) {
        guard !expansions.isEmpty else { return }
        let ids = Set(steps.map(\.id))
        for index in steps.indices {
            steps[index].needs = steps[index].needs.flatMap { need -> [Step.Dependency] in
                guard !ids.contains(need.id), let expanded = expansions[need.id.rawValue] else { return [need] }
                return expanded.map { Step.Dependency($0, at: need.location) }
            }
        }
    }
}
