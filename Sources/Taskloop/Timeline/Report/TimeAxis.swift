/// The time axis of the report's charts: round tick values (1, 2 or 5 times
/// a power of ten, in µs, ms, s, or whole minutes) spaced for about eight
/// ticks over the span. The page's script computes the same ticks when the
/// chart is zoomed (``ReportScript``), so the two must stay in step.
struct TimeAxis: Sendable {
    /// The span in microseconds (at least 1).
    let span: Int64
    let step: Int64

    init(span: Int64, targetTicks: Int = 8) {
        self.span = max(1, span)
        self.step = Self.roundStep(for: self.span / Int64(max(1, targetTicks)))
    }

    /// The smallest round value (1, 2, 5 × 10^k µs; 1, 2, 5, 10, 15, 30 min) at least `raw`.
    static func roundStep(for raw: Int64) -> Int64 {
        let raw = max(1, raw)
        if raw > 60_000_000 {
            for minutes: Int64 in [1, 2, 5, 10, 15, 30, 60, 120, 300, 600] where minutes * 60_000_000 >= raw {
                return minutes * 60_000_000
            }
            return 600 * 60_000_000
        }
        var power: Int64 = 1
        while true {
            for factor: Int64 in [1, 2, 5] where factor * power >= raw { return factor * power }
            power *= 10
        }
    }

    /// The tick values from 0 to the span, in microseconds.
    var ticks: [Int64] { Array(stride(from: 0, through: span, by: Int(step)).map { Int64($0) }) }

    /// A tick's label in the unit its step suits: `0`, `250ms`, `1.5s`, `2m`.
    func label(_ value: Int64) -> String {
        Self.label(value, step: step)
    }

    static func label(_ value: Int64, step: Int64) -> String {
        if value == 0 { return "0" }
        if step >= 60_000_000 {
            let minutes = value / 60_000_000, seconds = value % 60_000_000 / 1_000_000
            return seconds == 0 ? "\(minutes)m" : "\(minutes)m\(seconds)s"
        }
        let unit: (size: Int64, name: String) = step >= 100_000 ? (1_000_000, "s") : step >= 100 ? (1_000, "ms") : (1, "µs")
        var decimals = 0
        var resolution = unit.size
        while resolution > step, resolution % 10 == 0 {
            resolution /= 10
            decimals += 1
        }
        let whole = value / unit.size
        guard decimals > 0 else { return "\(whole)\(unit.name)" }
        let fraction = String(zeroPadded: Int((value % unit.size) / resolution), digits: decimals)
        return "\(whole).\(fraction)\(unit.name)"
    }
}
