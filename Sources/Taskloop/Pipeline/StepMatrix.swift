/// A step's `matrix:`: lists of values by key, whose combinations each make
/// one step, with `exclude:` and `include:` as in GitHub Actions.
///
/// - The combinations of the key lists come first, the first key varying
///   slowest (`os: [linux, mac]`, `swift: ["6.0", "6.1"]` make linux/6.0,
///   linux/6.1, mac/6.0, mac/6.1).
/// - `exclude:` then removes every combination that has all the key-value
///   pairs of one of its entries; its keys must be keys of the matrix.
/// - `include:` then takes its entries in order. An entry is added to every
///   remaining combination it does not contradict: one whose values for the
///   matrix's own keys equal the entry's (keys that `include` added may be
///   overwritten). An entry added to none becomes a combination of its own.
///   Entries are matched against the combinations of the key lists only, not
///   against combinations that `include` created.
struct StepMatrix {
    /// At most this many combinations (GitHub's limit of jobs per matrix).
    static let limit = 256
    /// Key lists whose combinations number more than this are refused before
    /// they are listed, whatever `exclude` would remove.
    static let enumerationLimit = 65_536

    /// A value as written (`6.0` stays `6.0`), and as expressions see it:
    /// a plain `true` or `false` is a boolean, everything else text.
    struct Value: Hashable {
        var text: String
        var value: JSONValue
    }

    struct Combination {
        /// The matrix's keys in declaration order, then the keys `include`
        /// added, in the order written.
        var entries: [(key: String, value: Value)]
        /// Whether this combination is an `include` entry that matched no
        /// combination: its id names all its keys, not only the matrix's.
        var isAdded = false

        subscript(key: String) -> Value? {
            entries.first(where: { $0.key == key })?.value
        }

        mutating func set(_ key: String, _ value: Value) {
            if let index = entries.firstIndex(where: { $0.key == key }) {
                entries[index].value = value
            } else {
                entries.append((key, value))
            }
        }

        /// The values as expressions read them (`matrix.KEY`).
        var values: [String: JSONValue] {
            Dictionary(entries.map { ($0.key, $0.value.value) }, uniquingKeysWith: { _, last in last })
        }
    }

    /// The keys with lists of values, in declaration order.
    var keys: [String]
    var combinations: [Combination]

    /// Every key some combination has: the matrix's, then those `include` adds.
    var allKeys: [String] {
        var seen = Set<String>()
        return combinations.flatMap { $0.entries.map(\.key) }.filter { seen.insert($0).inserted }
    }

    /// The id of the step a combination makes: `test[os=linux,swift=6.0]`.
    func id(of combination: Combination, step: String) -> String {
        let named = combination.isAdded ? combination.entries : combination.entries.filter { keys.contains($0.key) }
        return "\(step)[\(named.map { "\($0.key)=\($0.value.text)" }.joined(separator: ","))]"
    }

    /// Reads `matrix:` (the `entry` of a step's mapping) of step `step` and
    /// lists its combinations.
    static func decode(_ entry: ConfigNode.Entry, step: String) throws(PipelineDiagnostics) -> StepMatrix {
        let node = entry.value
        let field = "`matrix` of step `\(step)`"
        guard case .mapping(let entries) = node.content else {
            throw node.mismatch(field: field, expected: "a mapping from keys to lists of values (and optionally `include` and `exclude`)")
        }
        var problems: [Diagnostic] = []
        var lists: [(key: String, values: [Value])] = []
        for item in entries where item.name != "include" && item.name != "exclude" {
            let name = "`\(item.name)` in the matrix of step `\(step)`"
            guard case .sequence(let values) = item.value.content else {
                problems += item.value.mismatch(field: name, expected: "a list of values, such as `[linux, mac]`").diagnostics
                continue
            }
            if values.isEmpty {
                problems.append(Diagnostic(.invalidValue(field: name, reason: "an empty list makes no combinations; give at least one value, or remove the key"), at: item.value.location))
                continue
            }
            var decoded: [Value] = []
            for value in values {
                do { decoded.append(try Self.value(value, field: "each value of \(name)")) } catch { problems += error.diagnostics }
            }
            lists.append((item.name, decoded))
        }
        let keys = lists.map(\.key)
        let exclude = entries.first(where: { $0.name == "exclude" }).flatMap { item in
            PipelineLoader.collecting(into: &problems) { () throws(PipelineDiagnostics) in
                try Self.entries(item.value, field: "`exclude` of the matrix of step `\(step)`", keys: keys)
            }
        } ?? []
        let include = entries.first(where: { $0.name == "include" }).flatMap { item in
            PipelineLoader.collecting(into: &problems) { () throws(PipelineDiagnostics) in
                try Self.entries(item.value, field: "`include` of the matrix of step `\(step)`", keys: nil)
            }
        } ?? []
        if !problems.isEmpty { throw PipelineDiagnostics(problems) }

        var count = keys.isEmpty ? 0 : 1
        var overflows = false
        for list in lists {
            let (product, overflow) = count.multipliedReportingOverflow(by: list.values.count)
            count = product
            overflows = overflows || overflow
        }
        if overflows || count > enumerationLimit {
            let exact = Self.decimalProduct(lists.map(\.values.count))
            throw PipelineDiagnostics(.matrixTooLarge(step: step, count: exact, limit: limit), at: entry.key.location)
        }

        var combinations: [Combination] = count == 0 ? [] : [Combination(entries: [])]
        for list in lists {
            combinations = combinations.flatMap { combination in
                list.values.map { value in
                    var next = combination
                    next.entries.append((list.key, value))
                    return next
                }
            }
        }
        combinations.removeAll { combination in
            exclude.contains { pairs in pairs.allSatisfy { combination[$0.key] == $0.value } }
        }
        var added: [Combination] = []
        for pairs in include {
            var matched = false
            for index in combinations.indices {
                let fits = pairs.allSatisfy { pair in !keys.contains(pair.key) || combinations[index][pair.key] == pair.value }
                guard fits else { continue }
                matched = true
                for pair in pairs { combinations[index].set(pair.key, pair.value) }
            }
            if !matched { added.append(Combination(entries: pairs, isAdded: true)) }
        }
        combinations += added

        if combinations.isEmpty {
            throw PipelineDiagnostics(.emptyMatrix(step: step), at: entry.key.location)
        }
        if combinations.count > limit {
            throw PipelineDiagnostics(
                .matrixTooLarge(step: step, count: PipelineProblem.grouped(combinations.count), limit: limit), at: entry.key.location)
        }
        return StepMatrix(keys: keys, combinations: combinations)
    }

    private static func value(_ node: ConfigNode, field: String) throws(PipelineDiagnostics) -> Value {
        guard case .scalar(let text, let isPlain) = node.content, !node.isNull else {
            throw node.mismatch(field: field, expected: "text, a number or a boolean")
        }
        if isPlain, let flag = ConfigNode.bool(text) { return Value(text: text, value: .bool(flag)) }
        return Value(text: text, value: .string(text))
    }

    /// `exclude:` or `include:`: a list of mappings from keys to values. With
    /// `keys`, every key must be one of them.
    private static func entries(_ node: ConfigNode, field: String, keys: [String]?) throws(PipelineDiagnostics) -> [[(key: String, value: Value)]] {
        guard case .sequence(let items) = node.content else {
            throw node.mismatch(field: field, expected: "a list of mappings, such as `- { os: mac, swift: \"6.0\" }`")
        }
        var problems: [Diagnostic] = []
        var result: [[(key: String, value: Value)]] = []
        for item in items {
            guard case .mapping(let pairs) = item.content, !pairs.isEmpty else {
                problems += item.mismatch(field: "each entry of \(field)", expected: "a mapping from matrix keys to values").diagnostics
                continue
            }
            var entry: [(key: String, value: Value)] = []
            for pair in pairs {
                if let keys, !keys.contains(pair.name) {
                    problems.append(Diagnostic(.unknownKey(pair.name, context: field, known: keys), at: pair.key.location))
                    continue
                }
                do { entry.append((pair.name, try value(pair.value, field: "`\(pair.name)` in \(field)"))) } catch { problems += error.diagnostics }
            }
            result.append(entry)
        }
        if !problems.isEmpty { throw PipelineDiagnostics(problems) }
        return result
    }

    /// The product of `factors`, exactly, in decimal with thousands grouped
    /// (`100,000,000,000,000,000,000`): a matrix's size may pass `Int.max`.
    static func decimalProduct(_ factors: [Int]) -> String {
        var digits: [Int] = [1]  // least significant first
        for factor in factors {
            var carry = 0
            for index in digits.indices {
                let value = digits[index] * factor + carry
                digits[index] = value % 10
                carry = value / 10
            }
            while carry > 0 {
                digits.append(carry % 10)
                carry /= 10
            }
            while digits.count > 1, digits.last == 0 { digits.removeLast() }
        }
        var text = ""
        for (position, digit) in digits.enumerated().reversed() {
            text.append(Character(String(digit)))
            if position > 0, position % 3 == 0 { text.append(",") }
        }
        return text
    }
}
