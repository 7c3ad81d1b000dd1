import Foundation
import Synchronization
import Testing
@testable import Taskloop

/// A plugin-style I/O step that measures how late the event loop runs its
/// timers while it is busy: 10 ms sleeps, back to back, for `rounds` rounds.
struct LoopLagProbe: StepKind {
    static let name = "lag-probe"
    static let summary = "Measures event-loop lag."
    static let fields: [FieldDocumentation] = []
    static let worstLag = Mutex<Duration>(.zero)

    init(from configuration: ConfigNode, field: String) throws(PipelineDiagnostics) {}
    var detail: String { "probe" }

    func run(in context: StepContext) async throws -> StepOutputs {
        for _ in 0..<150 {
            let start = ContinuousClock.now
            try await context.eventLoop.sleep(for: .milliseconds(10))
            let lag = ContinuousClock.now - start - .milliseconds(10)
            Self.worstLag.withLock { $0 = max($0, lag) }
        }
        return [:]
    }
}

/// A plugin CPU function for tests: counts words of a text given inline.
enum WordCountFunction: CPUFunction {
    static let name = "count-words"
    static let summary = "Counts words."
    static let fields = [FieldDocumentation("text", type: "text", required: true, "The text.")]

    static func decode(_ configuration: ConfigNode, field: String) throws(PipelineDiagnostics) -> String {
        let mapping = try configuration.mapping(field: field, known: ["text"])
        return try mapping.required("text").string(field: mapping.name(of: "text"))
    }

    static func run(_ text: String, in context: CPUContext) throws -> StepOutputs {
        ["words": JSONValue(text.split(whereSeparator: \.isWhitespace).count)]
    }
}

@Suite(.serialized) struct WorkerTests {
    @Test func cpuStepsRunInOtherProcesses() async throws {
        let (report, folder) = try await runPipeline("""
            limits: { workers: 2 }
            steps:
              count: { cpu: { function: primes, with: { n: 100000 } } }
              burn: { cpu: { function: spin, with: { for: 50ms } } }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.status == .success)
        #expect(try report.outputs("count")["count"] == JSONValue(9592))
        guard case .number(let pid)? = try report.outputs("count")["worker-pid"] else {
            Issue.record("no worker pid")
            return
        }
        #expect(pid_t(pid) != getpid())
        #expect(report.step("count")?.lane?.hasPrefix("worker-") == true)
        #expect(workerProcesses().isEmpty)
    }

    @Test func ioKeepsFlowingWhileWorkersBurnCPU() async throws {
        LoopLagProbe.worstLag.withLock { $0 = .zero }
        let sleeps = (0..<200).map { "  nap-\($0): { sleep: \(100 + $0 * 8)ms }" }.joined(separator: "\n")
        let shells = (0..<10).map { "  sh-\($0): { shell: sleep 0.\($0) }" }.joined(separator: "\n")
        let (report, folder) = try await runPipeline("""
            limits: { workers: 2 }
            steps:
              spin-1: { cpu: { function: spin, with: { for: 1s } } }
              spin-2: { cpu: { function: spin, with: { for: 1s } } }
              spin-3: { cpu: { function: spin, with: { for: 1s } } }
              spin-4: { cpu: { function: spin, with: { for: 1s } } }
              probe: { uses: lag-probe }
            \(sleeps)
            \(shells)
            """, plugins: [LoopLagProbe.self])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.status == .success)
        // Every sleep and shell step finished while the workers were still busy
        // with the second pair of spins. (The makespan, about 2 s, is measured
        // by the benchmark script, not here: this machine is shared.)
        let lastSpin = try #require(report.step("spin-4")?.finishedAt)
        let io = report.record.steps.filter { $0.id.rawValue.hasPrefix("nap-") || $0.id.rawValue.hasPrefix("sh-") }
        #expect(io.count == 210)
        #expect(io.allSatisfy { ($0.finishedAt ?? .max) < lastSpin })
        // The second pair waited for workers: their queue wait is recorded apart from their run.
        let third = try #require(report.step("spin-3"))
        #expect(try #require(third.startedAt) - #require(third.queuedAt) > 500_000)
        // The loop never waited for the CPU work: had a spin run on it, a timer
        // would have fired a whole second late. (Typical lag is a millisecond or
        // two; the bound leaves room for a busy machine.)
        let lag = LoopLagProbe.worstLag.withLock { $0 }
        #expect(lag < .milliseconds(500), "worst loop lag \(lag)")
    }

    /// The killer matches workers only (`taskloop worker`): the end-to-end
    /// tests' `taskloop run` processes are children of this test process too.
    @Test func aKilledWorkerFailsOnlyItsStepAndIsReplaced() async throws {
        let (report, folder) = try await runPipeline("""
            limits: { workers: 1 }
            steps:
              victim: { cpu: { function: spin, with: { for: 20s } } }
              killer:
                shell: |
                  sleep 0.5
                  pkill -KILL -P "$TEST_PID" -f 'taskloop worker$'
              later: { needs: killer, cpu: { function: primes, with: { n: 1000 } } }
            """, policy: .keepGoing, environment: ["TEST_PID": String(getpid())])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let victim = try #require(report.step("victim"))
        #expect(victim.status == .failure)
        let error = try #require(victim.error)
        #expect(error.hasPrefix("worker 1 (pid "))
        #expect(error.hasSuffix(") was killed by SIGKILL while running step `victim`"))
        #expect(report.status("later") == .success)
        #expect(try report.outputs("later")["count"] == JSONValue(168))
        #expect(workerProcesses().isEmpty)
    }

    /// Workers start before the rest of the run's set-up; a set-up that
    /// fails (an event log that cannot be created) ends them before the
    /// error reaches the caller, leaving no worker behind.
    @Test func aRunWhoseSetUpFailsLeavesNoWorkerBehind() async throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let file = folder + "/pipeline.yaml"
        try """
            limits: { workers: 2 }
            steps:
              burn: { cpu: { function: spin, with: { for: 10ms } } }
            """.write(toFile: file, atomically: true, encoding: .utf8)
        try "".write(toFile: folder + "/not-a-folder", atomically: true, encoding: .utf8)
        let pipeline = try PipelineLoader(registry: .builtIn).load(file: file)
        let options = RunOptions(eventLogPath: folder + "/not-a-folder/events.jsonl", workerLaunch: workerLaunch)
        await #expect(throws: EventLogError.cannotCreate(path: folder + "/not-a-folder/events.jsonl", errno: ENOTDIR)) {
            _ = try await PipelineRunner(pipeline: pipeline, options: options).run(console: nil)
        }
        #expect(workerProcesses().isEmpty)
    }

    /// A worker that cannot start fails the CPU steps with why, instead of
    /// leaving them waiting for a worker for ever.
    @Test func workersThatCannotStartFailTheStepsWithWhy() async throws {
        let (report, folder) = try await runPipeline("""
            timeout: 60s
            limits: { workers: 2 }
            steps:
              one: { cpu: { function: primes, with: { n: 100 } } }
              two: { cpu: { function: primes, with: { n: 100 } } }
              io: { sleep: 10ms }
            """, policy: .keepGoing, workerLaunch: WorkerLaunch(executable: "/bin/sh", arguments: ["-c", "exit 3"]))
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.status("io") == .success)
        for step in ["one", "two"] {
            let error = try #require(report.step(StepID(step))?.error)
            #expect(error.hasPrefix("no worker process could start (worker "), "\(error)")
            #expect(error.contains(" exited with status 3 before saying hello, 5 times in a row); check the worker launch command `/bin/sh -c exit 3`"), "\(error)")
        }
        #expect(report.record.finished?.reason == nil)
    }

    /// The error of a CPU step whose worker is `script` run by `/bin/sh`.
    private func errorOfAStep(withWorkerScript script: String) async throws -> String {
        let (report, folder) = try await runPipeline("""
            timeout: 60s
            limits: { workers: 1 }
            steps:
              one: { cpu: { function: primes, with: { n: 100 } } }
            """, workerLaunch: WorkerLaunch(executable: "/bin/sh", arguments: ["-c", script]))
        defer { try? FileManager.default.removeItem(atPath: folder) }
        return try #require(report.step("one")?.error)
    }

    /// A worker that answers with something that is not a frame of the
    /// protocol is killed, and its step says what it sent.
    @Test func aWorkerThatBreaksTheProtocolFailsItsStepSayingHow() async throws {
        // A valid hello (a 29-byte frame), then, once a request came, a 3-byte frame: too short for a reply.
        let error = try await errorOfAStep(withWorkerScript:
            #"printf '\000\000\000\035{"protocolVersion":2,"pid":1}'; head -c 4 > /dev/null; printf '\000\000\000\003abc'; sleep 30"#)
        #expect(error.hasPrefix("worker 1 (pid "), "\(error)")
        #expect(error.hasSuffix(") broke the wire protocol (it sent a frame that ends inside a message) and was killed while running step `one`"), "\(error)")
    }

    /// A worker of another Taskloop version (one that speaks protocol 1,
    /// with JSON requests) is told apart by its hello, not misread.
    @Test func aWorkerSpeakingAnotherProtocolVersionIsNamedAsSuch() async throws {
        let error = try await errorOfAStep(withWorkerScript: #"printf '\000\000\000\035{"protocolVersion":1,"pid":1}'; sleep 30"#)
        #expect(error.contains("broke the wire protocol: speaks protocol 1, this runner 2"), "\(error)")
    }

    @Test func aCPUTimeoutKillsTheWorkerAndTheNextStepGetsANewOne() async throws {
        let (report, folder) = try await runPipeline("""
            limits: { workers: 1 }
            steps:
              stuck: { cpu: { function: spin, with: { for: 30s } }, timeout: 300ms }
              next: { cpu: { function: primes, with: { n: 100 } } }
            """, policy: .keepGoing)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.step("stuck")?.error == "timed out after 300ms (the step's `timeout`)")
        #expect(report.status("next") == .success)
        #expect(report.record.makespan < 10_000_000)
        #expect(workerProcesses().isEmpty)
    }

    @Test func failFastCancelsBusyWorkers() async throws {
        let (report, folder) = try await runPipeline("""
            limits: { workers: 2 }
            steps:
              burn-1: { cpu: { function: spin, with: { for: 30s } } }
              burn-2: { cpu: { function: spin, with: { for: 30s } } }
              broken: { shell: sleep 0.3; exit 1 }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.status == .failure)
        #expect(report.status("burn-1") == .cancelled)
        #expect(report.status("burn-2") == .cancelled)
        #expect(report.record.makespan < 10_000_000)
        #expect(workerProcesses().isEmpty)
    }

    @Test func functionErrorsFailTheStepWithTheirMessage() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              missing: { cpu: { function: sha256, with: { path: nowhere } } }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.step("missing")?.error == "cannot hash nowhere: no such file or folder")
    }

    @Test func builtInFunctionsComputeRealResults() async throws {
        let (report, folder) = try await runPipeline("""
            limits: { workers: 2 }
            steps:
              data: { shell: "mkdir -p tree/sub && printf hello > tree/sub/b.txt && seq 1 200000 > tree/numbers.txt" }
              file-hash: { needs: data, cpu: { function: sha256, with: { path: tree/sub/b.txt } } }
              tree-hash: { needs: data, cpu: { function: sha256, with: { path: tree } } }
              zip: { needs: data, cpu: { function: gzip, with: { from: tree/numbers.txt, to: numbers.txt.gz } } }
              unzip: { needs: zip, cpu: { function: gunzip, with: { from: numbers.txt.gz, to: copy.txt } } }
              compare: { needs: unzip, shell: cmp tree/numbers.txt copy.txt }
              tree-sum:
                needs: data
                shell: cd tree && find . -type f | sed 's|^./||' | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -d' ' -f1
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.status == .success)
        #expect(try report.outputs("file-hash")["hex"] == .string("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"))
        #expect(try report.outputs("tree-hash")["hex"] == report.outputs("tree-sum")["stdout"])
        #expect(try report.outputs("tree-hash")["files"] == JSONValue(2))
        guard case .number(let ratio)? = try report.outputs("zip")["ratio"] else {
            Issue.record("no ratio")
            return
        }
        #expect(ratio < 0.5)
    }

    @Test func pluginCPUFunctionsAreCheckedWhenTheFileLoads() throws {
        let registry = StepKindRegistry.builtIn.adding(plugins: [], cpuFunctions: [WordCountFunction.self])
        do {
            _ = try PipelineLoader(registry: registry).load(contents: """
                steps:
                  count: { uses: count-words, with: { txt: hello } }
                  bad: { cpu: { function: sha265, with: { path: x } } }
                """, file: "p.yaml")
            Issue.record("loaded")
        } catch {
            #expect(error.diagnostics.map { "\($0.location!.line):\($0.location!.column) \($0.problem.message)" } == [
                "2:39 unknown key `txt` in `with` of step `count`; did you mean `text`?",
                "3:27 step `bad` calls unknown CPU function `sha265`; did you mean `sha256`? (a plugin's function is written `uses: NAME`)",
            ])
        }
        let pipeline = try PipelineLoader(registry: registry).load(contents: "steps:\n  count: { uses: count-words, with: { text: a b c } }\n", file: "p.yaml")
        #expect(pipeline.steps[0].runsInWorker)
        #expect(pipeline.steps[0].kindName == "count-words")
    }

    @Test func pluginCPUFunctionsRunInTheWorkerCode() throws {
        // What a worker does with a request for a plugin function.
        let registry = StepKindRegistry.builtIn.adding(plugins: [], cpuFunctions: [WordCountFunction.self])
        let with = ConfigNode(.mapping([ConfigNode.Entry(
            key: ConfigNode(.scalar("text", isPlain: true), at: SourceLocation(file: "p", line: 1, column: 1)),
            value: ConfigNode(.scalar("one two three", isPlain: true), at: SourceLocation(file: "p", line: 1, column: 7)))]),
            at: SourceLocation(file: "p", line: 1, column: 1))
        let reply = WorkerMain.perform(
            WorkerRequest(id: 7, function: "count-words", step: "count", workingDirectory: "/", with: with), registry: registry)
        #expect(reply.id == 7)
        #expect(reply.outputs == ["words": JSONValue(3)])
        let unknown = WorkerMain.perform(
            WorkerRequest(id: 8, function: "nope", step: "count", workingDirectory: "/", with: with), registry: registry)
        #expect(unknown.error == "this worker has no CPU function `nope`")
    }
}
