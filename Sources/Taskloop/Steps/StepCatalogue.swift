/// The documentation of every kind a registry holds, as `taskloop steps`
/// prints it.
public struct StepCatalogue: Sendable {
    public let registry: StepKindRegistry

    public init(registry: StepKindRegistry) {
        self.registry = registry
    }

    public func render() -> String {
        var lines: [String] = ["I/O kinds (on the event loop), written as a key of the step:", ""]
        for kind in registry.builtInKinds {
            lines += describe(name: "\(kind.name):", summary: kind.summary, fields: kind.fields)
        }
        lines += ["CPU functions (in worker processes), written `cpu: { function: NAME, with: {...} }`:", ""]
        for function in registry.builtInCPUFunctions {
            lines += describe(name: function.name, summary: function.summary, fields: function.fields)
        }
        // The loader's own list, so this line names every key a step accepts.
        let common = PipelineLoader.commonStepKeys.filter { $0 != "uses" && $0 != "with" }
        lines += ["Every step also takes: \(common.joined(separator: ", ")).", ""]
        if !registry.pluginKinds.isEmpty {
            lines += ["Plugin kinds, written `uses: NAME` with `with: {...}`:", ""]
            for kind in registry.pluginKinds {
                let place = kind.runsInWorker ? " (CPU, in a worker)" : " (I/O, on the event loop)"
                lines += describe(name: kind.name + place, summary: kind.summary, fields: kind.fields)
            }
        }
        return lines.joined(separator: "\n")
    }

    private func describe(name: String, summary: String, fields: [FieldDocumentation]) -> [String] {
        var lines = ["  \(name)", "      \(summary)"]
        let width = fields.map(\.name.count).max() ?? 0
        for field in fields {
            let padding = String(repeating: " ", count: width - field.name.count)
            lines.append("      \(field.name)\(padding)  \(field.type)\(field.required ? ", required" : ""): \(field.summary)")
        }
        lines.append("")
        return lines
    }
}
