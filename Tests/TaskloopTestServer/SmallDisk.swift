import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A tiny file system of its own (a tmpfs), to test what happens when a disk
/// is full. Mounting needs root (CI runs as root); where it is not possible,
/// ``isAvailable`` is false and the tests that need one are skipped.
public struct SmallDisk: Sendable {
    public let path: String

    /// Whether a tmpfs can be mounted here: checked once by mounting one.
    public static let isAvailable: Bool = {
        guard let probe = SmallDisk(bytes: 64 * 1024) else { return false }
        probe.unmount()
        return true
    }()

    public static let unavailableReason = "mounting a small tmpfs needs root (mount -t tmpfs); skipped"

    /// Mounts a tmpfs of `bytes` on a new folder; nil when it cannot.
    public init?(bytes: Int) {
        let folder = NSTemporaryDirectory() + "taskloop-small-disk-" + UUID().uuidString
        guard (try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)) != nil else { return nil }
        guard Self.command("/bin/mount", ["-t", "tmpfs", "-o", "size=\(bytes)", "tmpfs", folder]) else {
            try? FileManager.default.removeItem(atPath: folder)
            return nil
        }
        path = folder
    }

    /// Fills the disk with a file `filler`, then frees `free` bytes of it
    /// (rounded to whole pages by the file system).
    public func fill(leaving free: Int) {
        let descriptor = open(path + "/filler", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        let chunk = [UInt8](repeating: 0x66, count: 64 * 1024)
        var size = 0
        while true {
            let written = chunk.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written <= 0 { break }
            size += written
        }
        _ = ftruncate(descriptor, off_t(max(0, size - free)))
    }

    public func unmount() {
        _ = Self.command("/bin/umount", ["-l", path])
        try? FileManager.default.removeItem(atPath: path)
    }

    private static func command(_ executable: String, _ arguments: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
