import TaskloopCLI

await TaskloopMain.run()
