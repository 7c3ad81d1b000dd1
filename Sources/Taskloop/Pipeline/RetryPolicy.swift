/// `retry:`: how often a failed step is tried again, how long to wait between
/// attempts, and which failures are worth another attempt.
///
///     retry: { attempts: 3, delay: 1s, backoff: 2, max-delay: 30s, jitter: true, on: [1, 503, timeout, worker-crash] }
///
/// `retry: 3` is short for `retry: { attempts: 3 }`.
public struct RetryPolicy: Sendable, Hashable {
    /// What a failure must be to be retried; without `on:`, any failure is.
    public enum Condition: Sendable, Hashable {
        /// A shell step's exit code, or an HTTP step's status.
        case code(Int)
        /// The step's `timeout` elapsed.
        case timeout
        /// The worker running a CPU step died.
        case workerCrash
    }

    static let keys = ["attempts", "delay", "backoff", "max-delay", "jitter", "on"]

    /// Attempts in all, the first included.
    public var attempts: Int
    public var delay: Duration
    public var backoff: Double
    public var maximumDelay: Duration
    public var jitter: Bool
    public var conditions: [Condition]?

    public init(
        attempts: Int, delay: Duration = .seconds(1), backoff: Double = 2, maximumDelay: Duration = .seconds(30),
        jitter: Bool = false, conditions: [Condition]? = nil
    ) {
        self.attempts = attempts
        self.delay = delay
        self.backoff = backoff
        self.maximumDelay = maximumDelay
        self.jitter = jitter
        self.conditions = conditions
    }

    /// The wait before attempt `attempt` (2 or more): `delay × backoff^(attempt−2)`,
    /// at most `max-delay`, and with `jitter` a random part of it (full jitter).
    public func delay(before attempt: Int) -> Duration {
        let seconds = min(delay.seconds * pow(backoff, Double(max(0, attempt - 2))), maximumDelay.seconds)
        let chosen = jitter ? Double.random(in: 0...seconds) : seconds
        return .nanoseconds(Int64(chosen * 1e9))
    }

    /// Whether a failure with these facts is retried.
    func retries(code: Int?, timedOut: Bool, workerCrashed: Bool) -> Bool {
        guard let conditions else { return true }
        return conditions.contains { condition in
            switch condition {
            case .code(let expected): return code == expected
            case .timeout: return timedOut
            case .workerCrash: return workerCrashed
            }
        }
    }

    /// Reads `retry:` (a mapping, or a bare number of attempts).
    static func decode(_ node: ConfigNode, field: String) throws(PipelineDiagnostics) -> RetryPolicy {
        if case .scalar = node.content {
            return RetryPolicy(attempts: try node.int(field: field + " (attempts)", range: 1...100))
        }
        let mapping = try node.mapping(field: field, known: keys)
        var policy = RetryPolicy(attempts: try mapping.required("attempts").int(field: mapping.name(of: "attempts"), range: 1...100))
        if let delay = try mapping.duration("delay") { policy.delay = delay }
        if let node = mapping["backoff"] {
            guard case .scalar(let text, true) = node.content, let value = Double(text), value >= 1, value <= 10 else {
                throw PipelineDiagnostics(.invalidValue(field: mapping.name(of: "backoff"), reason: "use a number from 1 (a fixed delay) to 10"), at: node.location)
            }
            policy.backoff = value
        }
        if let maximum = try mapping.duration("max-delay") { policy.maximumDelay = maximum }
        if let jitter = try mapping.bool("jitter") { policy.jitter = jitter }
        if let on = mapping["on"] {
            let items: [ConfigNode]
            if case .sequence(let list) = on.content { items = list } else { items = [on] }
            var conditions: [Condition] = []
            for item in items {
                let text = item.scalarText ?? ""
                if let code = Int(text), (0...999).contains(code) {
                    conditions.append(.code(code))
                } else if text == "timeout" {
                    conditions.append(.timeout)
                } else if text == "worker-crash" {
                    conditions.append(.workerCrash)
                } else {
                    let hint = NearestName.find(text, among: ["timeout", "worker-crash"]).map { " (did you mean `\($0)`?)" } ?? ""
                    throw PipelineDiagnostics(.invalidValue(
                        field: mapping.name(of: "on"),
                        reason: "`\(text)` is not an exit code, an HTTP status, `timeout` or `worker-crash`\(hint)"), at: item.location)
                }
            }
            policy.conditions = conditions
        }
        return policy
    }
}

import Foundation
