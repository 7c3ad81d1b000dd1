import ArgumentParser
import Taskloop

struct StepsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "steps",
        abstract: "List the step kinds and CPU functions this runner knows, with their fields."
    )

    func run() throws {
        FileHandleOutput.standardOutput(StepCatalogue(registry: TaskloopMain.registry).render())
    }
}
