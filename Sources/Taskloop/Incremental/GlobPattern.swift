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
        Self.match(segmentBytes[...], components)
    }

    /// Whether something below the folder `components` (below the literal
    /// prefix) could match: the walk descends only there.
    func mayMatchBelow(_ components: ArraySlice<[UInt8]>) -> Bool {
        Self.matchPrefix(segmentBytes[...], components)
    }

    private static let doubleStar = Array("**".utf8)

    private static func match(_ pattern: ArraySlice<[UInt8]>, _ path: ArraySlice<[UInt8]>) -> Bool {
        guard let head = pattern.first else { return path.isEmpty }
        if head == doubleStar {
            let rest = pattern.dropFirst()
            var remaining = path
            while true {
                if match(rest, remaining) { return true }
                guard !remaining.isEmpty else { return false }
                remaining = remaining.dropFirst()
            }
        }
        guard let first = path.first, matchSegment(head[...], first[...]) else { return false }
        return match(pattern.dropFirst(), path.dropFirst())
    }

    private static func matchPrefix(_ pattern: ArraySlice<[UInt8]>, _ folder: ArraySlice<[UInt8]>) -> Bool {
        guard let head = pattern.first else { return false }
        if head == doubleStar { return true }
        guard let first = folder.first else { return true }
        guard matchSegment(head[...], first[...]) else { return false }
        return matchPrefix(pattern.dropFirst(), folder.dropFirst())
    }

    /// `*`, `?` and `[...]` within one segment, on UTF-8 bytes (a `?` or a
    /// class matches one byte: names outside ASCII match `*` and literals).
    static func matchSegment(_ pattern: ArraySlice<UInt8>, _ name: ArraySlice<UInt8>) -> Bool {
        let star = UInt8(ascii: "*"), question = UInt8(ascii: "?"), open = UInt8(ascii: "[")
        var pattern = pattern
        var name = name
        // The last `*` seen, and the name position it was tried at: on a mismatch, let it take one more character.
        var backtrack: (pattern: ArraySlice<UInt8>, name: ArraySlice<UInt8>)?
        while true {
            if let p = pattern.first {
                if p == star {
                    backtrack = (pattern.dropFirst(), name)
                    pattern = pattern.dropFirst()
                    continue
                }
                if let n = name.first {
                    if p == question {
                        pattern = pattern.dropFirst()
                        name = name.dropFirst()
                        continue
                    }
                    if p == open, let (matched, rest) = matchClass(pattern.dropFirst(), n) {
                        if matched {
                            pattern = rest
                            name = name.dropFirst()
                            continue
                        }
                    } else if p == n {
                        pattern = pattern.dropFirst()
                        name = name.dropFirst()
                        continue
                    }
                }
            } else if name.isEmpty {
                return true
            }
            guard let point = backtrack, !point.name.isEmpty else { return false }
            backtrack = (point.pattern, point.name.dropFirst())
            pattern = point.pattern
            name = point.name.dropFirst()
        }
    }

    /// `[...]` after its `[`: whether `character` is in the set, and the pattern after `]`.
    private static func matchClass(_ pattern: ArraySlice<UInt8>, _ character: UInt8) -> (Bool, ArraySlice<UInt8>)? {
        var rest = pattern
        var negated = false
        if rest.first == UInt8(ascii: "!") || rest.first == UInt8(ascii: "^") {
            negated = true
            rest = rest.dropFirst()
        }
        var matched = false
        var first = true
        while let c = rest.first {
            if c == UInt8(ascii: "]") && !first { return (matched != negated, rest.dropFirst()) }
            first = false
            rest = rest.dropFirst()
            if rest.first == UInt8(ascii: "-"), let upper = rest.dropFirst().first, upper != UInt8(ascii: "]") {
                if c <= character && character <= upper { matched = true }
                rest = rest.dropFirst(2)
            } else if c == character {
                matched = true
            }
        }
        return nil
    }
}
