/// The formats `taskloop graph` prints.
public enum GraphFormat: String, Sendable, CaseIterable {
    case text
    case dot
    case mermaid
}

/// Draws a pipeline's dependency graph as text, Graphviz or Mermaid.
public struct GraphRenderer: Sendable {
    public let pipeline: Pipeline
    private let graph: StepGraph

    public init(pipeline: Pipeline) {
        self.pipeline = pipeline
        self.graph = StepGraph(steps: pipeline.steps)
    }

    public func render(_ format: GraphFormat) -> String {
        switch format {
        case .text: return text()
        case .dot: return dot()
        case .mermaid: return mermaid()
        }
    }

    /// Each step's level: 1 for steps without needs, else one more than the
    /// deepest need. Steps of one level can run at the same time.
    public func levels() -> [Int] {
        var level = [Int](repeating: 1, count: pipeline.steps.count)
        for step in graph.topologicalOrder() {
            for need in graph.dependencies[step] { level[step] = max(level[step], level[need] + 1) }
        }
        return level
    }

    private func text() -> String {
        let level = levels()
        let width = min(40, pipeline.steps.map(\.id.rawValue.count).max() ?? 4)
        let kindWidth = pipeline.steps.map(\.kindName.count).max() ?? 5
        var lines = ["\(pipeline.name): \(pipeline.steps.count) steps in \(level.max() ?? 0) levels"]
        let order = graph.topologicalOrder().sorted { (level[$0], $0) < (level[$1], $1) }
        for index in order {
            let step = pipeline.steps[index]
            var line = "[\(level[index])] " + pad(step.id.rawValue, width) + "  " + pad(step.kindName, kindWidth) + "  " + step.action.detail
            if !step.needs.isEmpty { line += "  <- " + step.needs.map(\.id.rawValue).joined(separator: ", ") }
            lines.append(line)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func dot() -> String {
        var lines = ["digraph \(quoted(pipeline.name)) {", "  rankdir=LR;", "  node [shape=box, fontname=\"monospace\"];"]
        for step in pipeline.steps {
            lines.append("  \(quoted(step.id.rawValue)) [label=\(quoted("\(step.id)\n\(step.kindName)"))];")
        }
        for step in pipeline.steps {
            for need in step.needs { lines.append("  \(quoted(need.id.rawValue)) -> \(quoted(step.id.rawValue));") }
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    private func mermaid() -> String {
        var lines = ["flowchart LR"]
        for (index, step) in pipeline.steps.enumerated() {
            // A matrix value may hold `"`: Mermaid writes it as an entity.
            let label = "\(step.id) (\(step.kindName))".replacingOccurrences("\"", with: "#quot;")
            lines.append("  s\(index)[\"\(label)\"]")
        }
        let indexOf = Dictionary(pipeline.steps.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        for (index, step) in pipeline.steps.enumerated() {
            for need in step.needs { if let from = indexOf[need.id] { lines.append("  s\(from) --> s\(index)") } }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `--dry-run`: the order steps would start in, with what each waits for.
    public func renderPlan() -> String {
        var lines = ["\(pipeline.name): would run \(pipeline.steps.count) steps (io limit \(pipeline.limits.io)):"]
        for (position, index) in graph.topologicalOrder().enumerated() {
            let step = pipeline.steps[index]
            var line = "  \(position + 1). \(step.id) [\(step.kindName)] \(step.action.detail)"
            if !step.needs.isEmpty { line += "  (after " + step.needs.map(\.id.rawValue).joined(separator: ", ") + ")" }
            if let pool = step.pool { line += "  pool \(pool)" }
            lines.append(line)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences("\\", with: "\\\\").replacingOccurrences("\"", with: "\\\"").replacingOccurrences("\n", with: "\\n") + "\""
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}

extension String {
    func replacingOccurrences(_ target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
