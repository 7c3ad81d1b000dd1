public import ArgumentParser
public import Taskloop

struct GraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Print a pipeline's dependency graph.",
        discussion: """
            text: the steps by level (a step's level is one more than its deepest need).
            dot:  Graphviz (taskloop graph p.yaml --format dot | dot -Tsvg > graph.svg).
            mermaid: a Mermaid flowchart, for Markdown that renders it.

            Matrix steps appear once per combination; included files' steps are part of the graph.

            Examples:
              taskloop graph pipelines/build.yaml
              taskloop graph pipelines/build.yaml --format mermaid > pipeline.md
            """
    )

    @Argument(help: "The pipeline file.")
    var file: String

    @Option(help: "Output format: text, dot or mermaid.")
    var format: GraphFormat = .text

    func run() throws {
        let pipeline = try loadPipeline(file)
        FileHandleOutput.standardOutput(GraphRenderer(pipeline: pipeline).render(format))
    }
}

extension GraphFormat: ExpressibleByArgument {}
