import Foundation
import Testing

/// A step that prints far more than Taskloop keeps: its output is capped, and
/// the `taskloop` process's peak memory does not grow with it. 200 MB in one
/// line is about twice the bound on memory growth, so output held in memory
/// would break it; the same with a gigabyte, and the time it takes, is
/// measured by `Benchmarks/file-limits.py`. Measured on the binary alone, so
/// what the test process holds does not count.
@Suite(.serialized) struct OutputMemoryTests {
    static let growthBound = 96 * 1024 * 1024

    @Test func outputBeyondWhatIsKeptIsCappedNotHeldInMemory() async throws {
        let small = try await peakResidentBytes(printing: 1_000_000)
        let large = try await peakResidentBytes(printing: 200_000_000)
        #expect(large - small < Self.growthBound,
            "peak memory: \(small / 1024 / 1024) MiB for 1 MB of output, \(large / 1024 / 1024) MiB for 200 MB")
    }

    /// Runs a one-step pipeline printing `bytes` in one line; returns the
    /// runner's peak resident memory after checking the output was capped.
    private func peakResidentBytes(printing bytes: Int) async throws -> Int {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try """
            steps:
              flood: { shell: "head -c \(bytes) /dev/zero | tr '\\\\0' 'x'" }
            """.write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        let (result, peak) = try await PeakMemory.run(["run", "p.yaml", "--quiet", "--json", "result.json"], in: folder)
        #expect(result.exitCode == 0, "\(result.standardOutput)\(result.standardError)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/result.json")))
        let steps = (json as? [String: Any])?["steps"] as? [[String: Any]]
        let stdout = (steps?.first?["outputs"] as? [String: Any])?["stdout"] as? String
        #expect(stdout?.utf8.count == 1024 * 1024 || (bytes < 1024 * 1024 && stdout?.utf8.count == bytes),
            "the kept stdout is \(stdout?.utf8.count ?? -1) bytes")
        #expect(peak > 0, "the runner's memory could not be read from /proc")
        return peak
    }
}
