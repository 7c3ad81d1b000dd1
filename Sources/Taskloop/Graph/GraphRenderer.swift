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
            var line = "[\(level[index])] " + pad(step.id.rawValue, width) + "  " + pad(step.kindName, kindWidth) + "  " + oneLine(step.action.detail)
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

    /// `--dry-run`: the steps in the order they would start, each with whether
    /// it would run and why not, its kind and what it does, and its needs.
    /// The decisions are the ``Plan``'s, from the selection's choices.
    public func renderPlan(selection: StepSelection? = nil) -> String {
        let selection = selection ?? .all(pipeline)
        var plan = Plan(pipeline: pipeline, policy: .failFast, choices: selection.choices)
        _ = plan.begin()
        let order = graph.topologicalOrder()
        let reasons = order.map { planReason(for: $0, state: plan.states[$0], selection: selection) }
        let running = order.indices.filter { reasons[$0].runs }.count
        var header = "\(pipeline.name): would run "
            + (running == pipeline.steps.count ? "\(running) steps" : "\(running) of \(pipeline.steps.count) steps")
            + " (io limit \(pipeline.limits.io))"
        if let resumed = selection.resumedFrom { header += ", resuming run \(resumed)" }
        var lines = [header + ":"]
        let numberWidth = String(order.count).count + 1
        let idWidth = min(32, order.map { pipeline.steps[$0].id.rawValue.count }.max() ?? 4)
        let reasonWidth = min(60, reasons.map(\.text.count).max() ?? 9)
        for (position, index) in order.enumerated() {
            let step = pipeline.steps[index]
            // One line each: a command of several lines shows its first.
            let detail = oneLine(step.action.detail)
            var line = "  " + pad("\(position + 1).", numberWidth) + " " + pad(step.id.rawValue, idWidth)
                + "  " + pad(reasons[position].text, reasonWidth) + "  [\(step.kindName)] \(detail)"
            if !step.needs.isEmpty { line += "  (after " + step.needs.map(\.id.rawValue).joined(separator: ", ") + ")" }
            if let pool = step.pool { line += "  pool \(pool)" }
            lines.append(line)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Why a step would or would not run, as `--dry-run` says it.
    private func planReason(for index: Int, state: Plan.State, selection: StepSelection) -> (text: String, runs: Bool) {
        let step = pipeline.steps[index]
        switch state {
        case .reused:
            return ("reused from run \(selection.reused[step.id]?.fromRun ?? selection.resumedFrom ?? "?")", false)
        case .skipped(.needNotSatisfied(let need)):
            return ("needs `\(need)`, which will not run", false)
        case .skipped(let reason):
            return (reason.description, false)
        case .waiting, .ready, .running, .finished:
            guard let condition = step.condition else { return ("would run", true) }
            let calls = condition.expression.calledFunctions
            let text = "`if: \(condition.text)`"
            if calls.contains("always") { return ("would run, also after failures (\(text))", true) }
            if calls.contains("failure") { return ("runs only after a failure (\(text))", true) }
            if calls.contains("cancelled") { return ("runs only if the run is stopping (\(text))", true) }
            return ("decided at run time: \(text)", true)
        }
    }

    private func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences("\\", with: "\\\\").replacingOccurrences("\"", with: "\\\"").replacingOccurrences("\n", with: "\\n") + "\""
    }

    /// A step's detail on one row of a table: its first line, at most 60
    /// characters, the cut (or the lines left out) marked with an ellipsis.
    private func oneLine(_ detail: String) -> String {
        let lines = detail.split(separator: "\n", omittingEmptySubsequences: true)
        let first = String(lines.first ?? "")
        return first.count > 60 || lines.count > 1 ? first.prefix(59) + "…" : first
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
