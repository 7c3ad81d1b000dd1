import ArgumentParser
import Taskloop

/// Loads a pipeline file for a command, printing every diagnostic with its
/// source line and caret; an invalid file ends the command with exit code 2.
func loadPipeline(_ path: String, registry: StepKindRegistry = .builtIn) throws -> Pipeline {
    do {
        return try PipelineLoader(registry: registry).load(file: path)
    } catch {
        FileHandleOutput.standardError(error.rendered + "\n")
        throw ExitCode(ExitStatus.invalidInput)
    }
}
