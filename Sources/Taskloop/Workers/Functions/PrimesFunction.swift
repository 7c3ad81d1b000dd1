/// `primes`: counts the primes up to `n` with a segmented sieve of
/// Eratosthenes (memory stays near √n plus one 1 MiB segment).
public enum PrimesFunction: CPUFunction {
    public static let name = "primes"
    public static let summary = "Count the primes up to `n` with a segmented sieve; outputs `count`."
    public static let fields = [FieldDocumentation("n", type: "whole number", required: true, "The upper bound (at most 10,000,000,000).")]

    public static func decode(_ configuration: ConfigNode, field: String) throws(PipelineDiagnostics) -> Int {
        let mapping = try configuration.mapping(field: field, known: ["n"])
        return try mapping.required("n").int(field: mapping.name(of: "n"), range: 0...10_000_000_000)
    }

    public static func run(_ n: Int, in context: CPUContext) throws -> StepOutputs {
        ["count": JSONValue(count(upTo: n)), "n": JSONValue(n)]
    }

    static func count(upTo n: Int) -> Int {
        guard n >= 2 else { return 0 }
        var root = Int(Double(n).squareRoot())
        while root * root > n { root -= 1 }
        while (root + 1) * (root + 1) <= n { root += 1 }
        // Small primes up to √n, by a plain sieve.
        var isComposite = [Bool](repeating: false, count: root + 1)
        var small: [Int] = []
        if root >= 2 {
            for candidate in 2...root where !isComposite[candidate] {
                small.append(candidate)
                var multiple = candidate * candidate
                while multiple <= root {
                    isComposite[multiple] = true
                    multiple += candidate
                }
            }
        }
        // The rest, one segment at a time.
        let segmentSize = 1 << 20
        var segment = [Bool](repeating: false, count: segmentSize)
        var total = small.count
        var low = root + 1
        while low <= n {
            let high = min(low + segmentSize - 1, n)
            for index in 0...(high - low) { segment[index] = false }
            for prime in small {
                var multiple = max(prime * prime, (low + prime - 1) / prime * prime)
                while multiple <= high {
                    segment[multiple - low] = true
                    multiple += prime
                }
            }
            for index in 0...(high - low) where !segment[index] { total += 1 }
            low = high + 1
        }
        return total
    }
}
