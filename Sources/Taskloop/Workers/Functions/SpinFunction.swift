#if canImport(Glibc)
import Glibc
#endif

/// `spin`: burns CPU (not sleep) for an amount of the thread's CPU time, so
/// that demos and benchmarks of CPU-bound work are honest.
public enum SpinFunction: CPUFunction {
    public static let name = "spin"
    public static let summary = "Burn CPU time (a busy loop, not a sleep) for a duration; outputs `cpu-ms`."
    public static let fields = [FieldDocumentation("for", type: "duration", required: true, "How much CPU time to burn.")]

    public static func decode(_ configuration: ConfigNode, field: String) throws(PipelineDiagnostics) -> Duration {
        let mapping = try configuration.mapping(field: field, known: ["for"])
        return try mapping.required("for").duration(field: mapping.name(of: "for"))
    }

    public static func run(_ duration: Duration, in context: CPUContext) throws -> StepOutputs {
        let start = threadCPUTime()
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        while threadCPUTime() - start < duration {
            // Enough work between clock reads that the loop is mostly arithmetic.
            for _ in 0..<10_000 { state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407 }
        }
        let spent = threadCPUTime() - start
        return ["cpu-ms": JSONValue(Int(spent.microseconds / 1000)), "checksum": .string(String(state & 0xFFFF, radix: 16))]
    }

    static func threadCPUTime() -> Duration {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return .seconds(time.tv_sec) + .nanoseconds(time.tv_nsec)
    }
}
