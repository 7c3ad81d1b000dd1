import ArgumentParser
import Foundation
import Taskloop

struct WhyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "why",
        abstract: "Say, for each step, whether a run now would run it, and why.",
        discussion: """
            Checks every step with `sources:` against its last successful run, as `taskloop run` \
            would, without running anything: `up to date`, `would be restored from the cache` \
            (its outputs are missing or changed, and the cache holds them for the same inputs), \
            or `would run` with the first difference found: a source file, the command, env or \
            a parameter, an upstream step's output, an output file, or that it never ran. Steps \
            without `sources:` always run.

            Examples:
              taskloop why pipelines/build.yaml
              taskloop why pipelines/build.yaml link --param target=release
            """
    )

    @Argument(help: "The pipeline file.")
    var file: String

    @Argument(help: ArgumentHelp("Explain only these steps (default: every step).", valueName: "step"))
    var steps: [String] = []

    @Option(name: .customLong("param"), help: ArgumentHelp("Override a parameter declared under `params:`.", valueName: "key=value"))
    var parameters: [String] = []

    func run() throws {
        var pipeline = try loadPipeline(file)
        var values: [String: String] = [:]
        for parameter in parameters {
            let parts = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty else { throw ValidationError("--param expects key=value, got `\(parameter)`") }
            values[String(parts[0])] = String(parts[1])
        }
        do {
            pipeline = try pipeline.overridingParameters(values)
        } catch {
            FileHandleOutput.standardError("error: \(error.message)\n")
            throw ExitCode(ExitStatus.invalidInput)
        }
        let known = Set(pipeline.steps.map { $0.id.rawValue.split(separator: "[").first.map(String.init) ?? $0.id.rawValue })
            .union(pipeline.steps.map(\.id.rawValue))
        for name in steps where !known.contains(name) {
            FileHandleOutput.standardError("error: `\(name)` is not a step of \(file)\n")
            throw ExitCode(ExitStatus.invalidInput)
        }
        let explanations: [StepExplanation]
        do {
            explanations = try IncrementalExplainer.explain(pipeline, steps: steps.isEmpty ? nil : Set(steps.map { StepID($0) }))
        } catch {
            FileHandleOutput.standardError("error: \(error)\n")
            throw ExitCode(ExitStatus.stepFailed)
        }
        let width = min(40, explanations.map(\.step.rawValue.count).max() ?? 4)
        var text = ""
        for explanation in explanations {
            let id = explanation.step.rawValue
            text += id + String(repeating: " ", count: max(1, width - id.count + 2)) + explanation.text + "\n"
        }
        FileHandleOutput.standardOutput(text)
    }
}
