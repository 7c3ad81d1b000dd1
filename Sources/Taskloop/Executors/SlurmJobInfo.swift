import Foundation
import Subprocess

/// What Slurm says about one of Taskloop's jobs, read with `squeue` (the
/// cluster may keep no accounting, so `sacct` is not relied on; `squeue -t
/// all` still shows a job for `MinJobAge` seconds after it ended).
struct SlurmJobInfo: Sendable, Hashable {
    var jobID: String
    var node: String
    /// `RUNNING`, `COMPLETED`, `CANCELLED`, `TIMEOUT`, `NODE_FAIL`, `FAILED`, …
    var state: String
    /// Slurm's reason (`None`, `TimeLimit`, `NodeDown`, …).
    var reason: String
    /// Seconds from submission to start (Slurm keeps whole seconds).
    var queueWaitSeconds: Int?

    /// `vm · job 12`: how lanes and messages name where a process ran.
    var place: String { node.isEmpty ? "job \(jobID)" : "\(node) · job \(jobID)" }

    /// `Slurm job 12 on vm ended CANCELLED`, with the reason when it says more.
    var ending: String {
        let why = ["None", "", "NonZeroExitCode"].contains(reason) ? "" : " (\(reason))"
        let on = node.isEmpty ? "" : " on \(node)"
        return "Slurm job \(jobID)\(on) ended \(state)\(why)"
    }

    /// Whether the job ended for a reason Slurm gave (not a plain exit).
    var endedBySlurm: Bool { !["COMPLETED", "FAILED", "RUNNING", "COMPLETING"].contains(state) }

    static let format = "%i|%N|%T|%r|%V|%S"

    /// The job named `name` once Slurm has decided how it ended: a job that
    /// was just cancelled is `COMPLETING` for a moment (up to 3 s is waited).
    static func lookupEnded(name: String) async -> SlurmJobInfo? {
        var job = await lookup(name: name)
        for _ in 0..<15 where job.map({ ["RUNNING", "COMPLETING", "PENDING"].contains($0.state) }) ?? false {
            try? await Task.sleep(for: .milliseconds(200))
            job = await lookup(name: name)
        }
        return job
    }

    /// The job named `name`, if Slurm still knows it.
    static func lookup(name: String) async -> SlurmJobInfo? {
        let result = try? await Subprocess.run(
            .name("squeue"), arguments: ["-h", "-t", "all", "-n", name, "-o", format],
            output: .string(limit: 64 * 1024), error: .discarded)
        guard let text = result?.standardOutput else { return nil }
        return parse(text)
    }

    /// The last line of `squeue -o FORMAT` output (the newest job of that name).
    static func parse(_ text: String) -> SlurmJobInfo? {
        guard let line = text.split(separator: "\n").last else { return nil }
        let fields = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard fields.count == 6, !fields[0].isEmpty else { return nil }
        var wait: Int?
        if let submitted = seconds(fields[4]), let started = seconds(fields[5]), started >= submitted { wait = started - submitted }
        return SlurmJobInfo(jobID: fields[0], node: fields[1], state: fields[2], reason: fields[3], queueWaitSeconds: wait)
    }

    /// Seconds since 1970 of `2026-12-01T03:16:33` (Slurm's local time; only
    /// differences are used).
    static func seconds(_ text: String) -> Int? {
        let parts = text.split(whereSeparator: { "-T:".contains($0) }).compactMap { Int($0) }
        guard parts.count == 6 else { return nil }
        var components = DateComponents()
        (components.year, components.month, components.day) = (parts[0], parts[1], parts[2])
        (components.hour, components.minute, components.second) = (parts[3], parts[4], parts[5])
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: components).map { Int($0.timeIntervalSince1970) }
    }
}
