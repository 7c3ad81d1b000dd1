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
        var found: [Match] = []
        let including = patterns.filter { !$0.excludes }
        for pattern in including {
            if pattern.isLiteral {
                let path = pattern.literalPrefix.joined(separator: "/")
                if let stat = FileStat.of(join(base, path)) {
                    if stat.isDirectory {
                        walk(base: base, folder: pattern.literalPrefix, pattern: nil, into: &found)
                    } else {
                        found.append(Match(path: path, stat: stat))
                    }
                }
            } else {
                walk(base: base, folder: pattern.literalPrefix, pattern: pattern, into: &found)
            }
        }
        let exclusions = patterns.filter(\.excludes)
        if !exclusions.isEmpty {
            found.removeAll { match in exclusions.contains { $0.matchesPath(match.path) } }
        }
        found = sortedByPath(found)
        // Two patterns may match one file: keep it once.
        if including.count > 1 {
            var unique: [Match] = []
            unique.reserveCapacity(found.count)
            for match in found where unique.last?.path != match.path { unique.append(match) }
            found = unique
        }
        return found
    }

    /// Literal patterns that named nothing, for the key ("missing" is a state too).
    static func missingLiterals(_ patterns: [GlobPattern], in base: String) -> [String] {
        patterns.filter { !$0.excludes && $0.isLiteral }.map { $0.literalPrefix.joined(separator: "/") }
            .filter { FileStat.of(join(base, $0)) == nil }
    }

    /// The order of paths in a step's key: by their UTF-8 bytes, as git
    /// orders its index (one `memcmp`, not Unicode-aware comparison).
    static func precedes(_ first: String, _ second: String) -> Bool {
        var first = first
        var second = second
        return first.withUTF8 { a in second.withUTF8 { b in precedes(a, b) } }
    }

    static func precedes(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let common = min(a.count, b.count)
        if common > 0, let left = a.baseAddress, let right = b.baseAddress {
            let order = memcmp(left, right, common)
            if order != 0 { return order < 0 }
        }
        return a.count < b.count
    }

    /// `matches` in ``precedes(_:_:)`` order.
    static func sortedByPath(_ matches: [Match]) -> [Match] {
        sortedByBytes(matches, of: \.path)
    }

    /// `items` in ``precedes(_:_:)`` order of the text at `key`. The texts
    /// are copied into one buffer and positions are sorted, so that the
    /// thousands of comparisons touch no reference counts and move no strings.
    static func sortedByBytes<Item>(_ items: [Item], of key: (Item) -> String) -> [Item] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(items.count * 32)
        var spans: [(start: Int, count: Int)] = []
        spans.reserveCapacity(items.count)
        for item in items {
            let start = bytes.count
            bytes.append(contentsOf: key(item).utf8)
            spans.append((start, bytes.count - start))
        }
        var order = Array(items.indices)
        bytes.withUnsafeBufferPointer { bytes in
            spans.withUnsafeBufferPointer { spans in
                order.sort { first, second in
                    precedes(
                        UnsafeBufferPointer(rebasing: bytes[spans[first].start..<(spans[first].start + spans[first].count)]),
                        UnsafeBufferPointer(rebasing: bytes[spans[second].start..<(spans[second].start + spans[second].count)]))
                }
            }
        }
        return order.map { items[$0] }
    }

    static func join(_ base: String, _ path: String) -> String {
        if path.isEmpty { return base }
        if path.hasPrefix("/") { return path }
        return base.hasSuffix("/") ? base + path : base + "/" + path
    }

    /// Walks `folder` (below `base`) depth first without recursion; with a
    /// pattern, only into folders where something could match, and records
    /// files that match; without, records every file (a literal folder).
    ///
    /// Per entry it allocates nothing until a file matches: the name is
    /// matched in place (in one reused component array), `d_type` tells
    /// folders without a `stat`, and only matching files are stat'ed.
    private static func walk(base: String, folder: [String], pattern: GlobPattern?, into found: inout [Match]) {
        // Each pending folder: its path relative to `base`, and its components below the prefix.
        var pending: [(path: String, below: [[UInt8]])] = [(folder.joined(separator: "/"), [])]
        let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
        var components: [[UInt8]] = []
        while let (relativeFolder, below) = pending.popLast() {
            let absolute = join(base, relativeFolder)
            guard let directory = opendir(absolute.isEmpty ? "." : absolute) else { continue }
            defer { closedir(directory) }
            let descriptor = dirfd(directory)
            let prefix = relativeFolder.isEmpty ? "" : relativeFolder + "/"
            components = below
            components.append([])
            let last = components.count - 1
            while let entry = readdir(directory) {
                let namePointer = (UnsafeRawPointer(entry) + nameOffset).assumingMemoryBound(to: CChar.self)
                let name = UnsafeBufferPointer(start: UnsafeRawPointer(namePointer).assumingMemoryBound(to: UInt8.self), count: strlen(namePointer))
                if name.count <= 2, name.allSatisfy({ $0 == UInt8(ascii: ".") }) { continue }
                components[last].removeAll(keepingCapacity: true)
                components[last].append(contentsOf: name)
                var known: FileStat?
                let isDirectory: Bool
                switch Int32(entry.pointee.d_type) {
                case Int32(DT_DIR): isDirectory = true
                case Int32(DT_REG): isDirectory = false
                default:
                    // A link or an unknown type: what it leads to decides.
                    guard let fileStat = statAt(descriptor, namePointer) else { continue }
                    known = fileStat
                    isDirectory = fileStat.isDirectory
                }
                if isDirectory {
                    guard !ignoredFolders.contains(String(decoding: name, as: UTF8.self)) else { continue }
                    if pattern?.mayMatchBelow(components[...]) ?? true {
                        pending.append((prefix + String(decoding: name, as: UTF8.self), components))
                    }
                } else if pattern?.matches(components) ?? true {
                    guard let fileStat = known ?? statAt(descriptor, namePointer) else { continue }
                    found.append(Match(path: prefix + String(decoding: name, as: UTF8.self), stat: fileStat))
                }
            }
        }
    }

    /// `fstatat(2)` of `name` in the folder `descriptor`, links followed.
    private static func statAt(_ descriptor: Int32, _ name: UnsafePointer<CChar>) -> FileStat? {
        var info = stat()
        guard fstatat(descriptor, name, &info, 0) == 0 else { return nil }
        return FileStat(info)
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
