#if canImport(Glibc)
import Glibc
#endif

/// Expands `sources:` and `generates:` patterns into the files they match,
/// with each file's ``FileStat``: one `readdir` per folder and one `fstatat`
/// per entry, so twenty thousand files take milliseconds. Blocking: call it
/// off the event loop.
///
/// Folders named `.taskloop` and `.git` are never entered: they hold
/// Taskloop's own records and git's, never a step's sources.
enum FileWalker {
    struct Match: Sendable, Hashable {
        /// Relative to the folder the patterns are relative to, `/`-separated.
        var path: String
        var stat: FileStat
    }

    static let ignoredFolders: Set<String> = [".taskloop", ".git"]

    /// The files under `base` that match some including pattern and no
    /// excluding one, sorted by path. A literal pattern (no wildcard) that
    /// names no file yields nothing: the caller notes it as missing.
    static func files(matching patterns: [GlobPattern], in base: String) -> [Match] {
        var found: [String: FileStat] = [:]
        for pattern in patterns where !pattern.excludes {
            if pattern.isLiteral {
                let path = pattern.literalPrefix.joined(separator: "/")
                if let stat = FileStat.of(join(base, path)) {
                    if stat.isDirectory {
                        walk(base: base, folder: pattern.literalPrefix, pattern: nil, into: &found)
                    } else {
                        found[path] = stat
                    }
                }
            } else {
                walk(base: base, folder: pattern.literalPrefix, pattern: pattern, into: &found)
            }
        }
        let exclusions = patterns.filter(\.excludes)
        return found.filter { path, _ in
            !exclusions.contains { exclusion in exclusion.matchesPath(path) }
        }
        .map { Match(path: $0.key, stat: $0.value) }
        .sorted { $0.path < $1.path }
    }

    /// Literal patterns that named nothing, for the key ("missing" is a state too).
    static func missingLiterals(_ patterns: [GlobPattern], in base: String) -> [String] {
        patterns.filter { !$0.excludes && $0.isLiteral }.map { $0.literalPrefix.joined(separator: "/") }
            .filter { FileStat.of(join(base, $0)) == nil }
    }

    static func join(_ base: String, _ path: String) -> String {
        if path.isEmpty { return base }
        if path.hasPrefix("/") { return path }
        return base.hasSuffix("/") ? base + path : base + "/" + path
    }

    /// Walks `folder` (below `base`) depth first without recursion; with a
    /// pattern, only into folders where something could match, and records
    /// files that match; without, records every file (a literal folder).
    private static func walk(base: String, folder: [String], pattern: GlobPattern?, into found: inout [String: FileStat]) {
        // Each pending folder: its path relative to `base`, and its components below the prefix.
        var pending: [(path: String, below: [[UInt8]])] = [(folder.joined(separator: "/"), [])]
        let ignored = Set(ignoredFolders.map { Array($0.utf8) })
        while let (relativeFolder, below) = pending.popLast() {
            let absolute = join(base, relativeFolder)
            guard let directory = opendir(absolute.isEmpty ? "." : absolute) else { continue }
            defer { closedir(directory) }
            let descriptor = dirfd(directory)
            while let entry = readdir(directory) {
                let nameBytes = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                    pointer.withMemoryRebound(to: UInt8.self, capacity: 256) { start in
                        Array(UnsafeBufferPointer(start: start, count: strlen(UnsafeRawPointer(start).assumingMemoryBound(to: CChar.self))))
                    }
                }
                if nameBytes == [0x2E] || nameBytes == [0x2E, 0x2E] { continue }
                var info = stat()
                let statResult = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                    pointer.withMemoryRebound(to: CChar.self, capacity: 256) { fstatat(descriptor, $0, &info, 0) }
                }
                guard statResult == 0 else { continue }
                let stat = FileStat(info)
                var components = below
                components.append(nameBytes)
                let name = String(decoding: nameBytes, as: UTF8.self)
                let path = relativeFolder.isEmpty ? name : relativeFolder + "/" + name
                if stat.isDirectory {
                    guard !ignored.contains(nameBytes) else { continue }
                    if pattern?.mayMatchBelow(components[...]) ?? true { pending.append((path, components)) }
                } else if pattern?.matches(components[...]) ?? true {
                    found[path] = stat
                }
            }
        }
    }
}

extension GlobPattern {
    /// Whether a whole relative path matches (for exclusions).
    func matchesPath(_ path: String) -> Bool {
        let components = path.split(separator: "/").map(String.init)
        guard components.count >= literalPrefix.count, Array(components.prefix(literalPrefix.count)) == literalPrefix else { return false }
        if isLiteral { return components.count == literalPrefix.count }
        return matches(components[literalPrefix.count...].map { Array($0.utf8) }[...])
    }
}
