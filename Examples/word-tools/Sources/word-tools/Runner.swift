import TaskloopCLI

/// The runner: Taskloop's own command line, with this package's step kinds.
@main struct Runner {
    static func main() async {
        await TaskloopMain.run(plugins: [TemplateStep.self], cpuFunctions: [WordCount.self])
    }
}
