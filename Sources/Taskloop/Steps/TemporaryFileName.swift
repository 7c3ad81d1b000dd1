import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The names of the temporary files that atomic writes put beside their
/// targets: `.NAME.taskloop-PID-RANDOM` for the new item, and
/// `.NAME.taskloop-PID-RANDOM.old` for an old folder moved aside while a new
/// one takes its place. The pid is the process that made the file, so a later
/// run can tell a file whose owner is gone (killed with `kill -9`) from one a
/// live process is still writing.
struct TemporaryFileName: Hashable {
    /// The name of the target the temporary file is for.
    var target: String
    var pid: pid_t
    /// Whether it holds the old item moved aside (see ``AtomicFile/moveIntoPlace(_:_:fileSystem:)``).
    var isAside: Bool

    static let marker = ".taskloop-"

    static func newPath(for target: String) -> String {
        path(for: target, suffix: "")
    }

    static func asidePath(for target: String) -> String {
        path(for: target, suffix: ".old")
    }

    private static func path(for target: String, suffix: String) -> String {
        let folder = (target as NSString).deletingLastPathComponent
        let name = (target as NSString).lastPathComponent
        let random = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let file = "." + (name.isEmpty ? "file" : name) + marker + "\(getpid())-" + random + suffix
        return folder.isEmpty ? file : folder + "/" + file
    }

    /// Parses a file name; nil when it is not one of these temporary names.
    init?(parsing fileName: String) {
        guard fileName.hasPrefix("."), let markerRange = fileName.range(of: Self.marker, options: .backwards) else { return nil }
        let target = fileName[fileName.index(after: fileName.startIndex)..<markerRange.lowerBound]
        var rest = fileName[markerRange.upperBound...]
        isAside = rest.hasSuffix(".old")
        if isAside { rest = rest.dropLast(4) }
        let parts = rest.split(separator: "-", omittingEmptySubsequences: false)
        guard !target.isEmpty, parts.count == 2, let pid = pid_t(parts[0]), pid > 0,
            !parts[1].isEmpty, parts[1].allSatisfy({ $0.isASCII && ($0.isNumber || $0.isLowercase) })
        else { return nil }
        self.target = String(target)
        self.pid = pid
    }
}
