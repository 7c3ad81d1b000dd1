import Foundation

/// Seeded generators of hostile input: mutated pipeline files, random and
/// pathological expressions, include graphs and matrices. Case `index` of
/// seed `seed` is always the same input, so a crash is reproduced with
/// `--seed S --case N`.
struct HostileInput {
    var random: SplitMix64

    init(seed: UInt64, index: Int) {
        var mixer = SplitMix64(seed: seed ^ (UInt64(index) &* 0x9E37_79B9_7F4A_7C15))
        random = SplitMix64(seed: mixer.next())
    }

    mutating func below(_ bound: Int) -> Int { bound <= 0 ? 0 : Int(random.next() % UInt64(bound)) }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    // MARK: - YAML

    static let fragments = [
        ":", ": ", "-", "- ", "[", "]", "{", "}", ",", "&a ", "*a", "*", "!", "!!int ", "|", ">", "'", "\"", "#", "?", "? ",
        "%YAML 1.2\n", "---\n", "...\n", "\t", "\n", "  ", "\u{0}", "\u{1}", "\u{7F}", "\u{85}", "\u{2028}", "\u{FEFF}",
        "\u{E000}", "é", "🎉", "\r\n", "\r", "\\", "needs: ", "steps:", "shell: x", "timeout: 1s", "a: &x [*x]", "<<: *a",
        "~", "null", "9999999999999999999999", "${{", "}}", "${{ params.x }}", "${{ steps.a.outputs.x }}", "matrix: ",
        "include: ", "if: ", "retry: 3", "secrets: [A]", "env: { A: b }", "json: ",
    ]

    /// A few insertions, deletions and swaps applied to `text`.
    mutating func mutate(_ text: String) -> String {
        var scalars = Array(text.unicodeScalars)
        for _ in 0..<(1 + below(6)) {
            let position = below(scalars.count + 1)
            switch below(4) {
            case 0: scalars.insert(contentsOf: pick(Self.fragments).unicodeScalars, at: position)
            case 1: scalars.removeSubrange(position..<min(scalars.count, position + below(12)))
            case 2 where position < scalars.count: scalars[position] = Unicode.Scalar(UInt8(below(128)))
            default:
                var lines = String(String.UnicodeScalarView(scalars)).split(separator: "\n", omittingEmptySubsequences: false)
                if lines.count > 1 { lines.swapAt(below(lines.count), below(lines.count)) }
                scalars = Array(lines.joined(separator: "\n").unicodeScalars)
            }
        }
        return String(String.UnicodeScalarView(scalars))
    }

    /// Deep or wide YAML: nesting past libyaml's limit, long flow lists, many keys.
    mutating func pathologicalYAML() -> String {
        let depth = pick([10, 500, 999, 1_001, 5_000])
        switch below(4) {
        case 0: return "steps:\n  a:\n    http: { url: 'http://127.0.0.1:1', json: \(String(repeating: "[", count: depth))\(String(repeating: "]", count: depth)) }\n"
        case 1: return "steps:\n  a:\n    http: { url: 'http://127.0.0.1:1', json: \(String(repeating: "{a: ", count: depth))1\(String(repeating: "}", count: depth)) }\n"
        case 2:
            var text = "steps:\n"
            for index in 0..<(1 + below(400)) { text += "  s\(index): { needs: [s\(below(index + 1))], sleep: 0s }\n" }
            return text
        default:
            var text = "x: &a0 [1]\n"
            for level in 1..<(2 + below(40)) { text += "x\(level): &a\(level) [*a\(level - 1), *a\(level - 1), *a\(level - 1)]\n" }
            return text + "steps:\n  a: { sleep: 0s }\n"
        }
    }

    // MARK: - Expressions

    static let names = ["env", "params", "steps", "matrix", "param", "github", "x", "a-b", "_", "true", "false", "null"]
    static let functions = ["contains", "startsWith", "endsWith", "format", "toJSON", "fromJSON", "success", "failure",
                            "always", "cancelled", "lenght", "contians", "toJson"]
    static let operators = ["||", "&&", "==", "!=", "<", "<=", ">", ">="]

    /// A random expression of about `budget` nodes.
    mutating func expression(budget: Int) -> String {
        if budget <= 1 {
            switch below(8) {
            case 0: return String(below(1000))
            case 1: return "'" + pick(["", "a", "it''s", "{0}", "[1,[2]]", "{\"a\":1}", "é🎉", "\\"]) + "'"
            case 2: return "-" + String(below(10)) + "." + String(below(10))
            case 3: return pick(["env.HOME", "params.p", "steps.a.outputs.json", "steps.a.status", "env['A']", "steps['a'].outputs.list[1]"])
            default: return pick(Self.names)
            }
        }
        switch below(7) {
        case 0: return "(" + expression(budget: budget - 1) + ")"
        case 1: return "!" + expression(budget: budget - 1)
        case 2:
            let left = below(budget)
            return expression(budget: left) + " " + pick(Self.operators) + " " + expression(budget: budget - left - 1)
        case 3:
            let count = below(4)
            let arguments = (0..<count).map { _ in expression(budget: max(1, (budget - 1) / max(1, count))) }
            return pick(Self.functions) + "(" + arguments.joined(separator: ", ") + ")"
        case 4: return expression(budget: budget - 1) + "." + pick(Self.names)
        case 5: return expression(budget: budget - 1) + "[" + expression(budget: 1) + "]"
        default: return pick(Self.names) + pick(["", ".", "[", "(", "'", ")", "]", "$", "}}", "${{"])
        }
    }

    /// Deep nesting or long chains: the shapes that once overflowed the stack.
    mutating func pathologicalExpression() -> String {
        // The sizes of the reported crashes are rare: each costs milliseconds.
        let count = chance(3) ? pick([7_000, 30_000]) : pick([100, 255, 256, 257, 1_000])
        switch below(8) {
        case 0: return String(repeating: "(", count: count) + "1" + String(repeating: ")", count: count)
        case 1: return String(repeating: "env[", count: count) + "'x'" + String(repeating: "]", count: count)
        case 2: return String(repeating: "toJSON(", count: count) + "1" + String(repeating: ")", count: count)
        case 3: return Array(repeating: "0", count: count).joined(separator: " || ") + " || 1"
        case 4: return Array(repeating: "1", count: count).joined(separator: pick([" && ", " == ", " < "]))
        case 5: return String(repeating: "!", count: count) + "1"
        case 6: return "env" + String(repeating: ".a", count: count)
        default:
            let depth = pick([10, 256, 257, 511, 600])
            if chance(10) { return String(repeating: "toJSON(", count: count) + "'\"'" + String(repeating: ")", count: count) }
            return "toJSON(fromJSON('" + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "'))"
        }
    }

    /// A pipeline that uses `expression` where steps may: `if:`, `env:`, `shell:`.
    mutating func pipeline(with expression: String) -> String {
        let quoted = "\"${{ " + expression.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + " }}\""
        let field = pick(["if: " + quoted, "env: { X: " + quoted + " }", "shell: " + quoted, "sleep: " + quoted])
        return """
            params: { p: v }
            secrets: [TOKEN]
            steps:
              a: { shell: echo }
              b:
                needs: a
                \(field)
                shell: echo
            """
    }

    // MARK: - Matrix

    mutating func matrixPipeline() -> String {
        var keys: [String] = []
        for key in 0..<(1 + below(25)) {
            let values = (0..<pick([0, 1, 2, 10, 100])).map { _ in pick(["1", "a", "true", "'6.0'", "[1]", "{a: 1}", "''", "null", "1"]) }
            keys.append("k\(key): [\(values.joined(separator: ", "))]")
        }
        var matrix = "{ " + keys.joined(separator: ", ")
        if chance(30) { matrix += ", exclude: [{ k0: 1 }, { k9: a }]" }
        if chance(30) { matrix += ", include: [{ k0: 1, extra: x }, { other: y }]" }
        matrix += " }"
        return """
            steps:
              t:
                matrix: \(matrix)
                shell: echo "${{ matrix.k0 }}"
              u:
                needs: t
                if: ${{ steps['t[k0=1]'].status == 'success' || matrix.k1 }}
                sleep: 0s
            """
    }

    // MARK: - Includes

    /// Files that include one another (cycles, self-includes, missing files,
    /// clashing ids); the first is the main file.
    mutating func includeGraph() -> [(name: String, text: String)] {
        let count = 1 + below(6)
        return (0..<count).map { index in
            let includes = (0..<below(3)).map { _ in chance(10) ? "missing.yaml" : "f\(below(count)).yaml" }
            var text = includes.isEmpty ? "" : "include: [\(includes.joined(separator: ", "))]\n"
            if index == 0, chance(50) { text += "params: { p: v }\n" }
            text += "steps:\n  s\(chance(30) ? 0 : index): { needs: [s\(below(count))], sleep: 0s }\n"
            return ("f\(index).yaml", chance(20) ? mutate(text) : text)
        }
    }
}

/// A small seeded generator (the same as the unit tests').
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
