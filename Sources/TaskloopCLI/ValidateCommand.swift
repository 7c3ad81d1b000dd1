import ArgumentParser
import Taskloop

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check pipeline files without running them.",
        discussion: """
            Reports every problem of each file (unknown keys, wrong types, bad durations, \
            unknown `needs`, dependency cycles, undeclared pools, expressions, matrices, \
            included files) as file:line:column with the offending line, in the file that \
            has it. Counts the steps a matrix makes. Warnings (a step output pasted into a \
            shell command) are printed but do not fail. Exits with 2 when any file is invalid.

            Examples:
              taskloop validate pipelines/build.yaml
              taskloop validate pipelines/*.yaml
            """
    )

    @Argument(help: "The pipeline files to check.")
    var files: [String]

    func run() throws {
        var invalid = 0
        for file in files {
            do {
                let pipeline = try loadPipeline(file)
                FileHandleOutput.standardOutput("\(file): ok (\(pipeline.steps.count) steps)\n")
            } catch {
                invalid += 1
            }
        }
        if invalid > 0 { throw ExitCode(ExitStatus.invalidInput) }
    }
}
