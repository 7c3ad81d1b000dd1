import Foundation

/// Peak memory of a `taskloop` process, read while it runs: the test process
/// (and whatever other suites in it hold) does not count.
enum PeakMemory {
    /// Runs `taskloop` with `arguments` in `folder` and returns its exit
    /// status, its output and its peak resident set (VmHWM) in bytes, read
    /// every 5 ms until it exits.
    static func run(_ arguments: [String], in folder: String) async throws -> (result: TaskloopBinary.Result, peak: Int) {
        let running = try TaskloopBinary.start(arguments, in: folder)
        var peak = 0
        while running.process.isRunning {
            peak = max(peak, highWaterMark(of: running.pid))
            try await Task.sleep(for: .milliseconds(5))
        }
        return (running.finish(), peak)
    }

    /// The peak resident set of a live process, in bytes (0 once it is gone).
    static func highWaterMark(of pid: pid_t) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return 0 }
        return (line.split(separator: " ").compactMap { Int($0) }.first ?? 0) * 1024
    }
}
