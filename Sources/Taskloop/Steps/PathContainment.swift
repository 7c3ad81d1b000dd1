#if canImport(Glibc)
import Glibc
#endif

/// Whether a path lies inside a folder, as the file system resolves both:
/// a folder copied or moved into itself would be walked while it grows, and
/// the copy would never end.
///
/// Blocking (`realpath` and `lstat`): call it on the thread pool.
enum PathContainment {
    enum Place: Equatable {
        case theFolderItself
        case inside
        case elsewhere
    }

    /// Where `target` is from `folder`. Both are resolved through their
    /// symbolic links: `target` need not exist yet, so its deepest existing
    /// ancestor is resolved and the rest appended. `elsewhere` too when
    /// either cannot be resolved (the operation then fails its own way).
    static func place(of target: String, from folder: String) -> Place {
        guard let folder = realPath(folder), let target = resolvedLocation(of: target) else { return .elsewhere }
        if target == folder { return .theFolderItself }
        return target.hasPrefix(folder == "/" ? "/" : folder + "/") ? .inside : .elsewhere
    }

    /// Where `path` is, or would be once made: the real path of its deepest
    /// existing ancestor, then the components below it (`.` dropped, `..`
    /// taking one back).
    static func resolvedLocation(of path: String) -> String? {
        var existing = path.isEmpty ? "." : path
        var missing: [String] = []
        var status = stat()
        while lstat(existing, &status) != 0 {
            guard errno == ENOENT else { return nil }
            guard let slash = existing.lastIndex(of: "/") else {
                // A relative path none of whose ancestors exists: below the current folder.
                missing.insert(existing, at: 0)
                existing = "."
                break
            }
            missing.insert(String(existing[existing.index(after: slash)...]), at: 0)
            existing = slash == existing.startIndex ? "/" : String(existing[..<slash])
        }
        guard var components = realPath(existing)?.split(separator: "/").map(String.init) else { return nil }
        for component in missing where !component.isEmpty && component != "." {
            if component == ".." {
                _ = components.popLast()
            } else {
                components.append(component)
            }
        }
        return "/" + components.joined(separator: "/")
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
