/// Finds the known name a mistyped one most likely meant, by edit distance
/// (Damerau-Levenshtein with adjacent transpositions, case-insensitive).
enum NearestName {
    static func find(_ word: String, among candidates: [String]) -> String? {
        let typed = Array(word.lowercased())
        // Allow one edit for short names, about a third of the length for long ones.
        let allowed = max(1, min(3, typed.count / 3))
        // Names are mostly ASCII: compared as bytes, without making Characters.
        let typedBytes = word.utf8.allSatisfy { $0 < 0x80 } ? word.utf8.map(Self.lowercased) : nil
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            // The distance is at least the difference in length: most
            // candidates are passed over without a copy or a table.
            let distance: Int
            if let typedBytes, candidate.utf8.allSatisfy({ $0 < 0x80 }) {
                guard abs(candidate.utf8.count - typedBytes.count) <= allowed else { continue }
                distance = editDistance(typedBytes, candidate.utf8.map(Self.lowercased), limit: allowed)
            } else {
                guard abs(candidate.count - typed.count) <= allowed else { continue }
                distance = editDistance(typed, Array(candidate.lowercased()), limit: allowed)
            }
            if distance <= allowed, distance < (best?.distance ?? .max) {
                best = (candidate, distance)
            }
        }
        return best?.name
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
    }

    /// The distance, or any number above `limit` once it is sure to exceed it
    /// (every entry of a row of the table is, and later rows never shrink).
    static func editDistance<Element: Equatable>(_ a: [Element], _ b: [Element], limit: Int = .max) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previousPrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    value = min(value, previousPrevious[j - 2] + 1)
                }
                current[j] = value
            }
            // A transposition reaches back two rows, so both must be over the limit.
            if current.min()! > limit, previous.min()! > limit { return limit + 1 }
            (previousPrevious, previous, current) = (previous, current, previousPrevious)
        }
        return previous[b.count]
    }
}
