/// A path pattern of `sources:` or `generates:`, relative to the step's folder:
/// `*` matches any characters but `/`, `?` one character, `[abc]` and `[a-z]`
/// one of a set (`[!a]` outside it), and a whole segment `**` any number of
/// folders (none included). A pattern that starts with `!` excludes what it
/// matches from what the others matched.
public struct GlobPattern: Sendable, Hashable, CustomStringConvertible {
    public struct Problem: Error, CustomStringConvertible {
        public var description: String
    }

    /// As written.
    public let text: String
    /// `!pattern`: an exclusion.
    public let excludes: Bool
    /// The folders before the first segment with a wildcard: where a walk starts.
    let literalPrefix: [String]
    /// The segments from the first with a wildcard on.
    let segments: [String]
    /// The same as UTF-8 bytes, which the walk matches names against.
    let segmentBytes: [[UInt8]]

    public var description: String { text }

    public init(_ text: String) throws(Problem) {
        self.text = text
        var body = Substring(text)
        excludes = body.hasPrefix("!")
        if excludes { body = body.dropFirst() }
        guard !body.isEmpty else { throw Problem(description: "a pattern must not be empty") }
        guard !body.hasPrefix("/") else {
            throw Problem(description: "a pattern is relative to the step's `cwd`; write it without the leading `/`")
        }
        let parts = body.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
            .filter { $0 != "." }
        guard !parts.isEmpty else { throw Problem(description: "a pattern must name files") }
        for part in parts where part.contains("**") && part != "**" {
            throw Problem(description: "`**` must be a whole segment (`src/**/*.c`), not part of `\(part)`")
        }
        for part in parts where part.filter({ $0 == "[" }).count != part.filter({ $0 == "]" }).count {
            throw Problem(description: "unbalanced `[` in `\(part)`")
        }
        let firstWild = parts.firstIndex(where: Self.hasWildcard) ?? parts.count
        if firstWild < parts.count, parts[..<firstWild].contains("..") == false, parts[firstWild...].contains("..") {
            throw Problem(description: "`..` may only come before the first wildcard")
        }
        literalPrefix = Array(parts[..<firstWild])
        segments = Array(parts[firstWild...])
        segmentBytes = segments.map { Array($0.utf8) }
    }

    /// Whether the pattern names one file, without wildcards.
    var isLiteral: Bool { segments.isEmpty }

    static func hasWildcard(_ segment: String) -> Bool {
        segment.contains { $0 == "*" || $0 == "?" || $0 == "[" }
    }

    /// Whether `components` (a path below the literal prefix, as UTF-8) matches.
    func matches(_ components: ArraySlice<[UInt8]>) -> Bool {
        Self.match(segmentBytes, 0, Array(components), 0)
    }

    /// Whether `components[..<count]` matches: the walk passes one reused
    /// array (the folder's components, then the file's name), so that
    /// matching twenty thousand files allocates nothing per file.
    func matches(_ components: [[UInt8]]) -> Bool {
        Self.match(segmentBytes, 0, components, 0)
    }

    /// Whether something below the folder `components` (below the literal
    /// prefix) could match: the walk descends only there.
    func mayMatchBelow(_ components: ArraySlice<[UInt8]>) -> Bool {
        let folder = Array(components)
        var index = 0
        while index < segmentBytes.count {
            if Self.isDoubleStar(segmentBytes[index]) { return true }
            guard index < folder.count else { return true }
            guard Self.matchSegment(segmentBytes[index], folder[index]) else { return false }
            index += 1
        }
        return false
    }

    static func isDoubleStar(_ segment: [UInt8]) -> Bool {
        segment.count == 2 && segment[0] == UInt8(ascii: "*") && segment[1] == UInt8(ascii: "*")
    }

    /// Segments from `p` on against components from `c` on (indices, not
    /// slices: this runs once per file and must not allocate).
    private static func match(_ pattern: [[UInt8]], _ p: Int, _ path: [[UInt8]], _ c: Int) -> Bool {
        guard p < pattern.count else { return c == path.count }
        if isDoubleStar(pattern[p]) {
            var start = c
            while true {
                if match(pattern, p + 1, path, start) { return true }
                guard start < path.count else { return false }
                start += 1
            }
        }
        guard c < path.count, matchSegment(pattern[p], path[c]) else { return false }
        return match(pattern, p + 1, path, c + 1)
    }

    static func matchSegment(_ pattern: [UInt8], _ name: [UInt8]) -> Bool {
        pattern.withUnsafeBufferPointer { pattern in
            name.withUnsafeBufferPointer { name in matchSegment(pattern, name) }
        }
    }

    /// `*`, `?` and `[...]` within one segment, on UTF-8 bytes (a `?` or a
    /// class matches one byte: names outside ASCII match `*` and literals).
    static func matchSegment(_ pattern: UnsafeBufferPointer<UInt8>, _ name: UnsafeBufferPointer<UInt8>) -> Bool {
        let star = UInt8(ascii: "*"), question = UInt8(ascii: "?"), open = UInt8(ascii: "[")
        var p = 0
        var n = 0
        // The pattern position after the last `*` seen, and the name position
        // it was tried at: on a mismatch, let the `*` take one more byte.
        var backtrackPattern = -1
        var backtrackName = 0
        while true {
            if p < pattern.count {
                let character = pattern[p]
                if character == star {
                    p += 1
                    backtrackPattern = p
                    backtrackName = n
                    continue
                }
                if n < name.count {
                    if character == question {
                        p += 1
                        n += 1
                        continue
                    }
                    if character == open, let (matched, rest) = matchClass(pattern, from: p + 1, name[n]) {
                        if matched {
                            p = rest
                            n += 1
                            continue
                        }
                    } else if character == name[n] {
                        p += 1
                        n += 1
                        continue
                    }
                }
            } else if n == name.count {
                return true
            }
            guard backtrackPattern >= 0, backtrackName < name.count else { return false }
            backtrackName += 1
            p = backtrackPattern
            n = backtrackName
        }
    }

    /// `[...]` from `start` (just after its `[`): whether `character` is in
    /// the set, and the position after `]`; nil when the set is not closed.
    private static func matchClass(_ pattern: UnsafeBufferPointer<UInt8>, from start: Int, _ character: UInt8) -> (Bool, Int)? {
        var index = start
        var negated = false
        if index < pattern.count, pattern[index] == UInt8(ascii: "!") || pattern[index] == UInt8(ascii: "^") {
            negated = true
            index += 1
        }
        var matched = false
        var first = true
        while index < pattern.count {
            let c = pattern[index]
            if c == UInt8(ascii: "]") && !first { return (matched != negated, index + 1) }
            first = false
            index += 1
            if index + 1 < pattern.count, pattern[index] == UInt8(ascii: "-"), pattern[index + 1] != UInt8(ascii: "]") {
                if c <= character && character <= pattern[index + 1] { matched = true }
                index += 2
            } else if c == character {
                matched = true
            }
        }
        return nil
    }
}
