import Foundation
import Taskloop
import Testing

/// A step that prints far more than Taskloop keeps: its output is capped, and
/// Taskloop's memory does not grow with it. Measured on the `taskloop`
/// process alone (its peak resident memory, VmHWM), so tests running beside
/// this one cannot blur the figure. The same with a gigabyte, and the time it
/// takes, is measured by `Benchmarks/file-limits.py`.
@Suite(.serialized) struct LargeOutputTests {
    /// 32 MB in one line, about twice what the memory bound allows to grow
    /// (held output would break it); a run of a few bytes and one of 16 MB
    /// measured about 8 MiB apart, the same as 4 MB, so the bound has room.
    static let outputBytes = 32_000_000
    static let growthBound = 16 * 1024 * 1024

    @Test func outputBeyondWhatIsKeptIsCappedNotHeldInMemory() async throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // A run that does little, long enough to be sampled at its steady state.
        try "steps:\n  small: { shell: echo small }\n  wait: { needs: small, sleep: 300ms }\n".write(toFile: folder + "/small.yaml", atomically: true, encoding: .utf8)
        try """
            steps:
              flood: { shell: "head -c \(Self.outputBytes) /dev/zero | tr '\\\\0' 'x'" }
            """.write(toFile: folder + "/flood.yaml", atomically: true, encoding: .utf8)
        let baseline = try await peakResidentMemory(["run", "small.yaml", "--quiet", "--events", "small.jsonl"], in: folder)
        let flood = try await peakResidentMemory(["run", "flood.yaml", "--quiet", "--events", "flood.jsonl"], in: folder)
        #expect(baseline > 0 && flood > 0)
        #expect(flood - baseline < Self.growthBound, "peak memory grew by \((flood - baseline) / 1024 / 1024) MiB for \(Self.outputBytes / 1_000_000) MB of output")

        let log = try EventLog.read(path: folder + "/flood.jsonl")
        let outputs = log.events.compactMap { event -> StepOutputs? in
            if case .stepFinished(let finished) = event.payload { return finished.outputs }
            return nil
        }.first
        guard case .string(let stdout) = outputs?["stdout"] else {
            Issue.record("no stdout output")
            return
        }
        #expect(stdout.utf8.count == 1024 * 1024)
    }

    /// Runs taskloop to its end and returns its peak resident memory in
    /// bytes, read from /proc while it runs (VmHWM only grows).
    private func peakResidentMemory(_ arguments: [String], in folder: String) async throws -> Int {
        let running = try TaskloopBinary.start(arguments, in: folder)
        var peak = 0
        while running.process.isRunning {
            peak = max(peak, Self.highWaterMark(of: running.pid))
            try await Task.sleep(for: .milliseconds(5))
        }
        let result = running.finish()
        #expect(result.exitCode == 0, "\(result.standardError)")
        return peak
    }

    private static func highWaterMark(of pid: pid_t) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return 0 }
        return (line.split(separator: " ").compactMap { Int($0) }.first ?? 0) * 1024
    }
}
