import Foundation
import TaskloopTestServer
import Testing
@testable import Taskloop

/// Steps that write to a full disk (a tmpfs of 1 MiB, filled up) fail with
/// the system's reason and the path, and leave nothing half-written behind.
@Suite(.serialized, .enabled(if: SmallDisk.isAvailable, Comment(rawValue: SmallDisk.unavailableReason)))
struct FullDiskTests {
    @Test func fileStepsFailWithNoSpaceLeftAndLeaveNothingBehind() async throws {
        let disk = try #require(SmallDisk(bytes: 1 << 20))
        defer { disk.unmount() }
        // A whole page (tmpfs allocates pages), so that appending needs a new one.
        let kept = String(repeating: "k", count: 4095) + "\n"
        try kept.write(toFile: disk.path + "/existing.txt", atomically: false, encoding: .utf8)
        disk.fill(leaving: 0)
        let (report, folder) = try await runPipeline("""
            steps:
              source: { shell: head -c 300000 /dev/urandom > source.bin }
              write: { file: { write: "\(disk.path)/new.txt", content: "hello, full disk" } }
              append-new: { file: { append: "\(disk.path)/log.txt", content: "hello, full disk" } }
              append-old: { file: { append: "\(disk.path)/existing.txt", content: "hello, full disk" } }
              copy: { needs: source, file: { copy: source.bin, to: "\(disk.path)/copy.bin" } }
            """, policy: .keepGoing)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.step("write")?.error == "cannot write \(disk.path)/new.txt: No space left on device")
        #expect(report.step("append-new")?.error == "cannot append to \(disk.path)/log.txt: No space left on device")
        #expect(report.step("append-old")?.error == "cannot append to \(disk.path)/existing.txt: No space left on device")
        #expect(report.step("copy")?.error == "cannot copy source.bin: No space left on device")
        // No temporary file, no empty or partial file: only what was there.
        let left = try FileManager.default.contentsOfDirectory(atPath: disk.path).sorted()
        #expect(left == ["existing.txt", "filler"])
        #expect(try String(contentsOfFile: disk.path + "/existing.txt", encoding: .utf8) == kept)
    }

    @Test func gzipInAWorkerFailsWithNoSpaceLeftInsteadOfCrashing() async throws {
        let disk = try #require(SmallDisk(bytes: 1 << 20))
        defer { disk.unmount() }
        disk.fill(leaving: 64 * 1024)
        let (report, folder) = try await runPipeline("""
            limits: { workers: 1 }
            steps:
              source: { shell: head -c 400000 /dev/urandom > source.bin }
              pack: { needs: source, cpu: { function: gzip, with: { from: source.bin, to: "\(disk.path)/source.bin.gz" } } }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.status("pack") == .failure)
        #expect(report.step("pack")?.error == "cannot write \(disk.path)/source.bin.gz: No space left on device")
        let left = try FileManager.default.contentsOfDirectory(atPath: disk.path)
        #expect(left == ["filler"])
    }
}
