import Foundation
import Taskloop
import TaskloopTestServer
import Testing

/// Signals sent to the real binary mid-run: what is left behind, and the log.
@Suite(.serialized) struct InterruptionTests {
    static let longPipeline = """
        steps:
          long:
            shell: echo $$ > long.pid; sleep 30 & sleep 30
          nap:
            sleep: 30s
          after:
            needs: long
            shell: echo never
        """

    /// Starts the long pipeline and waits until its shell step has started.
    func startLongRun(in folder: String) async throws -> TaskloopBinary.Running {
        try Self.longPipeline.write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        let running = try TaskloopBinary.start(["run", "p.yaml", "--events", "events.jsonl"], in: folder)
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: folder + "/long.pid") {
            try await Task.sleep(for: .milliseconds(50))
        }
        try await Task.sleep(for: .milliseconds(200))
        return running
    }

    func shellGroup(in folder: String, file: String = "long.pid") throws -> pid_t {
        let text = try String(contentsOfFile: folder + "/" + file, encoding: .utf8)
        return try #require(pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    @Test func theRunnersThreadsCarryTheirNamesForTools() async throws {
        // `top -H`, `ps -L` and `perf` name a thread by its `comm`.
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let running = try await startLongRun(in: folder)
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(running.pid)/task")) ?? []
        let names = tasks.compactMap { try? String(contentsOfFile: "/proc/\(running.pid)/task/\($0)/comm", encoding: .utf8) }
            .map { $0.trimmingCharacters(in: .newlines) }
        running.signal(SIGINT)
        #expect(running.finish().exitCode == 130)
        #expect(names.contains("taskloop-watch"), "\(names)")
        #expect(names.contains("NIO-ELT-1-#1"), "\(names)")
    }

    @Test(arguments: [(SIGINT, Int32(130)), (SIGTERM, Int32(143)), (SIGHUP, Int32(129))])
    func aSignalStopsTheRunCleanly(signal: Int32, exitCode: Int32) async throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let running = try await startLongRun(in: folder)
        running.signal(signal)
        let result = running.finish()

        #expect(result.exitCode == exitCode)
        #expect(result.standardError.contains("stopping"))
        #expect(result.standardOutput.contains("[long] cancelled"))
        #expect(result.standardOutput.contains("[after] skipped: the run was interrupted"))
        #expect(await ProcessTable.groupEnds(try shellGroup(in: folder)))
        let log = try EventLog.read(path: folder + "/events.jsonl")
        #expect(log.isComplete)
        guard case .runFinished(let finished) = log.events.last?.payload else {
            Issue.record("the log does not end with run-finished")
            return
        }
        #expect(finished.status == .interrupted)
        #expect(finished.cancelled == 2)
    }

    @Test(arguments: [(SIGINT, Int32(130)), (SIGTERM, Int32(143)), (SIGHUP, Int32(129))])
    func aSignalStopsEveryKindOfStepAndCleanupStillRuns(signal: Int32, exitCode: Int32) async throws {
        let server = try await TestHTTPServer.start()
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try """
            limits: { workers: 1 }
            steps:
              shell: { shell: echo $$ > shell.pid; sleep 30 }
              nap: { sleep: 30s }
              request: { http: { url: "\(server.baseURL)/stall" } }
              burn: { cpu: { function: spin, with: { for: 30s } } }
              cleanup:
                needs: [shell, nap, request, burn]
                if: always()
                file: { write: cleaned.txt, content: "done" }
            """.write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        let running = try TaskloopBinary.start(["run", "p.yaml", "--events", "events.jsonl"], in: folder)
        var workers: [pid_t] = []
        for _ in 0..<100 {
            workers = ProcessTable.workers(of: running.pid)
            if !workers.isEmpty, FileManager.default.fileExists(atPath: folder + "/shell.pid") { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        try await Task.sleep(for: .milliseconds(300))
        running.signal(signal)
        let result = running.finish()
        try await server.stop()

        #expect(result.exitCode == exitCode)
        #expect(try String(contentsOfFile: folder + "/cleaned.txt", encoding: .utf8) == "done")
        let log = try EventLog.read(path: folder + "/events.jsonl")
        #expect(log.isComplete)
        let record = RunRecord(events: log.events)
        for step in ["shell", "nap", "request", "burn"] {
            #expect(record.steps.first { $0.id.rawValue == step }?.status == .cancelled, "\(step)")
        }
        #expect(await ProcessTable.groupEnds(try shellGroup(in: folder, file: "shell.pid")))
        #expect(!workers.isEmpty)
        #expect(workers.allSatisfy { !ProcessTable.isAlive($0) })
    }

    /// Under `nohup`, SIGHUP stays ignored: the run goes on to its end.
    @Test func aHangUpUnderNohupLeavesTheRunGoing() async throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try """
            steps:
              short:
                shell: echo $$ > short.pid; sleep 1; echo done > done.txt
            """.write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        let running = try TaskloopBinary.start(["run", "p.yaml", "--events", "events.jsonl"], in: folder, launcher: ["/usr/bin/nohup"])
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: folder + "/short.pid") {
            try await Task.sleep(for: .milliseconds(50))
        }
        running.signal(SIGHUP)
        let result = running.finish()
        #expect(result.exitCode == 0)
        #expect(!result.standardError.contains("stopping"))
        #expect(try String(contentsOfFile: folder + "/done.txt", encoding: .utf8) == "done\n")
        #expect(try EventLog.read(path: folder + "/events.jsonl").isComplete)
    }

    @Test func aSecondSignalExitsAtOnceAndTakesTheProcessesAlong() async throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try """
            steps:
              long:
                shell: echo $$ > long.pid; trap '' TERM; sleep 30 & wait
            """.write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        let running = try TaskloopBinary.start(["run", "p.yaml", "--events", "events.jsonl"], in: folder)
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: folder + "/long.pid") {
            try await Task.sleep(for: .milliseconds(50))
        }
        try await Task.sleep(for: .milliseconds(200))
        let started = ContinuousClock.now
        running.signal(SIGINT)  // the step ignores SIGTERM: the grace period would last 5 s
        try await Task.sleep(for: .milliseconds(300))
        running.signal(SIGINT)
        let result = running.finish()
        #expect(result.exitCode == 130)
        #expect(ContinuousClock.now - started < .seconds(4))
        #expect(await ProcessTable.groupEnds(try shellGroup(in: folder)))
        // What was written before the exit is readable.
        #expect(try !EventLog.read(path: folder + "/events.jsonl").events.isEmpty)
    }

    @Test func aKilledRunLeavesAReadableLog() async throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let running = try await startLongRun(in: folder)
        running.signal(SIGKILL)
        _ = running.finish()
        // The guardian ends the step's process group.
        let group = try shellGroup(in: folder)
        let ended = await ProcessTable.groupEnds(group)
        #expect(ended)
        // Only a group still alive is killed: once it has ended, its id may
        // already lead another process's group (another suite's taskloop).
        if !ended { kill(-group, SIGKILL) }

        let log = try EventLog.read(path: folder + "/events.jsonl")
        #expect(!log.isComplete)
        let started = log.events.compactMap { event -> StepID? in
            if case .stepStarted(let started) = event.payload { return started.step }
            return nil
        }
        #expect(started == ["long", "nap"])
        let record = RunRecord(events: log.events)
        #expect(record.steps.map(\.id) == ["long", "nap", "after"])
        #expect(record.finished == nil)
    }
}

extension InterruptionTests {
    @Test func killingTaskloopWithSIGKILLLeavesNoWorker() async throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try """
            limits: { workers: 2 }
            steps:
              busy: { cpu: { function: spin, with: { for: 30s } } }
              nap: { sleep: 30s }
            """.write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        let running = try TaskloopBinary.start(["run", "p.yaml"], in: folder)
        var workers: [pid_t] = []
        for _ in 0..<100 {
            workers = ProcessTable.workers(of: running.pid)
            if workers.count == 2 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(workers.count == 2)
        running.signal(SIGKILL)
        _ = running.finish()
        // One worker is busy spinning, one idle: both must end by themselves.
        var left = workers
        for _ in 0..<60 where !left.isEmpty {
            try await Task.sleep(for: .milliseconds(50))
            left = left.filter(ProcessTable.isAlive)
        }
        #expect(left.isEmpty, "workers still running: \(left)")
        for pid in left { kill(pid, SIGKILL) }
    }
}

extension InterruptionTests {
    /// `kill -9` of taskloop leaves none of its shell steps' processes: the
    /// guardian kills every step's process group, background children
    /// included, within the 2 s that groupEnds waits.
    @Test func killingTaskloopWithSIGKILLLeavesNoShellStepProcess() async throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try """
            steps:
              one: { shell: "echo $$ > one.pid; sleep 30 & sleep 30 & wait" }
              two: { shell: "echo $$ > two.pid; (sleep 30; echo never) & wait" }
              three: { shell: "echo $$ > three.pid; trap '' TERM; sleep 30" }
            """.write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        let running = try TaskloopBinary.start(["run", "p.yaml"], in: folder)
        let files = ["one.pid", "two.pid", "three.pid"]
        for _ in 0..<100 where !files.allSatisfy({ FileManager.default.fileExists(atPath: folder + "/" + $0) }) {
            try await Task.sleep(for: .milliseconds(50))
        }
        try await Task.sleep(for: .milliseconds(200))
        let groups = try files.map { try shellGroup(in: folder, file: $0) }
        #expect(groups.allSatisfy { ProcessTable.liveMembers(ofGroup: $0).count >= 2 })
        running.signal(SIGKILL)
        _ = running.finish()
        for group in groups {
            let ended = await ProcessTable.groupEnds(group)
            #expect(ended, "group \(group) still has \(ProcessTable.liveMembers(ofGroup: group))")
            if !ended { kill(-group, SIGKILL) }
        }
    }

    @Test func aKillDuringALargeCopyNeverLeavesAPartialTarget() async throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // 400 MB to copy: long enough to be killed in the middle.
        let source = folder + "/big.bin"
        _ = FileManager.default.createFile(atPath: source, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: source))
        let chunk = Data(repeating: 0x61, count: 1 << 20)
        for _ in 0..<400 { handle.write(chunk) }
        try handle.close()
        try """
            steps:
              copy: { file: { copy: big.bin, to: out/copy.bin } }
            """.write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        let running = try TaskloopBinary.start(["run", "p.yaml"], in: folder)
        // Wait until the copy has begun (its temporary file appears), then kill.
        for _ in 0..<200 {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder + "/out")) ?? []
            if names.contains(where: { $0.hasPrefix(".copy.bin.taskloop-") }) { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        running.signal(SIGKILL)
        _ = running.finish()
        // Either no target at all, or the whole of it: never a partial file.
        let target = folder + "/out/copy.bin"
        if FileManager.default.fileExists(atPath: target) {
            let size = try FileManager.default.attributesOfItem(atPath: target)[.size] as? Int
            #expect(size == 400 << 20)
        }
    }
}
