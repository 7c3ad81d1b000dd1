import Foundation
import TaskloopTestServer
import Testing

/// An HTTP `save:` streams the body to disk: the `taskloop` process's peak
/// memory does not grow with the body. Measured on the binary alone, so what
/// the test process and its server hold does not count.
@Suite(.serialized) struct DownloadMemoryTests {
    @Test func aLargeDownloadKeepsTheRunnersMemoryFlat() async throws {
        let server = try await TestHTTPServer.start()
        let small: Int, large: Int
        do {
            small = try await peakResidentBytes(downloading: 1024 * 1024, from: server.baseURL)
            large = try await peakResidentBytes(downloading: 256 * 1024 * 1024, from: server.baseURL)
        } catch {
            try await server.stop()
            throw error
        }
        try await server.stop()
        // Holding the body whole would add 256 MiB; streaming adds only the
        // chunks in flight between the socket and the disk (a few tens of MiB
        // at most on a busy machine, where the disk writes fall behind).
        #expect(large - small < 96 * 1024 * 1024,
            "peak memory: \(small / 1024 / 1024) MiB for 1 MiB, \(large / 1024 / 1024) MiB for 256 MiB")
    }

    /// Runs a one-step download of `size` bytes and returns the runner's peak
    /// resident memory (VmHWM), read until the process exits.
    private func peakResidentBytes(downloading size: Int, from baseURL: String) async throws -> Int {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try """
            steps:
              download: { http: { url: "\(baseURL)/bytes/\(size)", save: out/body.bin } }
            """.write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        let (result, peak) = try await PeakMemory.run(["run", "p.yaml", "--progress", "plain"], in: folder)
        #expect(result.exitCode == 0, "\(result.standardOutput)\(result.standardError)")
        let saved = try FileManager.default.attributesOfItem(atPath: folder + "/out/body.bin")
        #expect((saved[.size] as? Int) == size)
        #expect(peak > 0, "the runner's memory could not be read from /proc")
        return peak
    }
}
