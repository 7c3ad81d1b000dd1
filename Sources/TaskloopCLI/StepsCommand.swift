import ArgumentParser
import Taskloop

struct StepsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "steps",
        abstract: "List the step kinds and CPU functions this runner knows, with their fields.",
        discussion: """
            Lists the built-in I/O kinds (shell, sleep, file, http), the CPU functions run by \
            `cpu:` steps, and those of the plugins a plugin package's own runner was built \
            with, each with its fields, their types and what they mean, and whether it runs \
            on the event loop or in a worker.

            Example:  taskloop steps
            """
    )

    func run() throws {
        FileHandleOutput.standardOutput(StepCatalogue(registry: TaskloopMain.registry).render())
    }
}
