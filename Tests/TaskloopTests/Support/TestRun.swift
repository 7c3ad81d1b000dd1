import Foundation
import Taskloop
import TaskloopTestServer

/// A folder of its own under the system's temporary folder, removed by the caller.
func makeTemporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "taskloop-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Writes `yaml` as `pipeline.yaml` in `folder` (a new one when nil), loads
/// it, runs it without printing, and returns the report with the folder it ran in.
func runPipeline(
    _ yaml: String, policy: FailurePolicy = .failFast, plugins: [any StepKind.Type] = [],
    cpuFunctions: [any CPUFunction.Type] = [], environment: [String: String] = [:],
    interrupter: RunInterrupter = RunInterrupter(), workerLaunch: WorkerLaunch = workerLaunch,
    workerStartTimeout: Duration? = nil, httpStallLimit: Duration? = nil, in folder: String? = nil
) async throws -> (report: PipelineRunner.Report, folder: String) {
    let folder = try folder ?? makeTemporaryDirectory()
    let file = folder + "/pipeline.yaml"
    try yaml.write(toFile: file, atomically: true, encoding: .utf8)
    var pipeline = try PipelineLoader(registry: StepKindRegistry.builtIn.adding(plugins: plugins, cpuFunctions: cpuFunctions)).load(file: file)
    pipeline.environment.merge(environment) { _, new in new }
    var options = RunOptions(policy: policy, terminationGracePeriod: .seconds(2), workerLaunch: workerLaunch)
    if let workerStartTimeout { options.workerStartTimeout = workerStartTimeout }
    if let httpStallLimit { options.httpStallLimit = httpStallLimit }
    let report = try await PipelineRunner(pipeline: pipeline, options: options).run(console: nil, interrupter: interrupter)
    return (report, folder)
}

extension PipelineRunner.Report {
    func step(_ id: StepID) -> RunRecord.StepRecord? {
        record.steps.first { $0.id == id }
    }

    func status(_ id: StepID) -> StepStatus? { step(id)?.status }

    /// The outputs a step published (its last attempt's), from the event log.
    func outputs(_ id: StepID) throws -> StepOutputs {
        let log = try EventLog.read(path: eventLogPath)
        for event in log.events.reversed() {
            if case .stepFinished(let finished) = event.payload, finished.step == id { return finished.outputs ?? [:] }
        }
        return [:]
    }
}

/// Runs `body` with a local HTTP server on 127.0.0.1, stopped afterwards
/// whether or not `body` throws.
func withTestServer(_ body: (TestHTTPServer) async throws -> Void) async throws {
    let server = try await TestHTTPServer.start()
    do {
        try await body(server)
    } catch {
        try await server.stop()
        throw error
    }
    try await server.stop()
}

/// Workers for tests: the built `taskloop` binary beside the test bundle, in
/// its worker mode (the test process itself cannot serve as one).
let workerLaunch: WorkerLaunch = {
    var folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    for _ in 0..<3 {
        let candidate = folder.appendingPathComponent("taskloop").path
        if FileManager.default.isExecutableFile(atPath: candidate) {
            return WorkerLaunch(executable: candidate, arguments: ["worker"])
        }
        folder.deleteLastPathComponent()
    }
    return WorkerLaunch(executable: ".build/debug/taskloop", arguments: ["worker"])
}()

/// Pids of live `taskloop worker` processes whose parent is this process.
func workerProcesses() -> [pid_t] {
    ProcessTable.workers(of: getpid())
}
