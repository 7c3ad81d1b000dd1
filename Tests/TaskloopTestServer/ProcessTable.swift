import Foundation

/// What tests need to know about processes, read from /proc: which are alive
/// (zombies, killed but not yet reaped by this machine's lazy init, do not
/// count), which belong to a process group, which are whose children.
public enum ProcessTable {
    public struct Entry: Sendable {
        public var pid: Int32
        public var parent: Int32
        public var group: Int32
        public var isZombie: Bool
        public var commandLine: [String]
    }

    public static func entries() -> [Entry] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return names.compactMap(entry(for:))
    }

    public static func entry(for name: String) -> Entry? {
        guard let pid = Int32(name),
            let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        // After "pid (comm) ": state ppid pgrp ...
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 2, let parent = Int32(fields[1]), let group = Int32(fields[2]) else { return nil }
        let commandLine = ((try? String(contentsOfFile: "/proc/\(name)/cmdline", encoding: .utf8)) ?? "")
            .split(separator: "\u{0}").map(String.init)
        return Entry(pid: pid, parent: parent, group: group, isZombie: fields[0] == "Z", commandLine: commandLine)
    }

    public static func isAlive(_ pid: Int32) -> Bool {
        entry(for: String(pid)).map { !$0.isZombie } ?? false
    }

    /// Live processes of a process group.
    public static func liveMembers(ofGroup group: Int32) -> [Int32] {
        entries().filter { $0.group == group && !$0.isZombie }.map(\.pid)
    }

    /// Live `… worker` processes whose parent is `parent`.
    public static func workers(of parent: Int32) -> [Int32] {
        entries().filter { $0.parent == parent && !$0.isZombie && $0.commandLine.last == "worker" }.map(\.pid)
    }

    /// Whether no live process of `group` is left within two seconds: signals
    /// take a moment to land, so this polls.
    public static func groupEnds(_ group: Int32) async -> Bool {
        for _ in 0..<40 {
            if liveMembers(ofGroup: group).isEmpty { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }
}
