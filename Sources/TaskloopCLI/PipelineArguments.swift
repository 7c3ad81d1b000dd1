import ArgumentParser
import Foundation
import Taskloop

/// Loads a pipeline file for a command, printing every diagnostic with its
/// source line and caret; an invalid file ends the command with exit code 2.
/// Warnings (a valid file can have them) go to stderr in the same form.
func loadPipeline(_ path: String, registry: StepKindRegistry = TaskloopMain.registry) throws -> Pipeline {
    do {
        let pipeline = try PipelineLoader(registry: registry).load(file: path)
        if !pipeline.warnings.isEmpty {
            // A warning may be about a step of an included file: show that file's line.
            let text = Diagnostic.render(pipeline.warnings) { file in try? String(contentsOfFile: file, encoding: .utf8) }
                .joined(separator: "\n\n")
            FileHandleOutput.standardError(text + "\n\n")
        }
        return pipeline
    } catch {
        FileHandleOutput.standardError(error.rendered + "\n")
        throw ExitCode(ExitStatus.invalidInput)
    }
}
