import ArgumentParser
import Taskloop

extension RunCommand {
    /// The steps this run runs, reuses and leaves out (step names, `--skip`,
    /// `--resume`); a name that is not a step, or a run that cannot be
    /// resumed, ends the command with exit code 2.
    func chooseSteps(of pipeline: Pipeline) throws -> StepSelection {
        do throws(SelectionError) {
            var previous: PreviousRun?
            if let resume { previous = try PreviousRun.locate(resume, for: pipeline) }
            return try StepSelection(pipeline: pipeline, selecting: selectedSteps, skipping: skippedSteps, resuming: previous)
        } catch {
            FileHandleOutput.standardError(error.rendered + "\n")
            throw ExitCode(ExitStatus.invalidInput)
        }
    }
}
