#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A wall-clock instant written in UTC, from the C library's calendar:
/// the run id and the event log's start time, without Foundation's date
/// formatters (whose ICU set-up costs a run's start several milliseconds).
struct UTCTimestamp {
    /// Microseconds since 1970.
    var unixMicroseconds: Int64

    init(unixMicroseconds: Int64) {
        self.unixMicroseconds = unixMicroseconds
    }

    /// Now, from the real-time clock.
    static var now: UTCTimestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return UTCTimestamp(unixMicroseconds: Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1_000)
    }

    private var fields: tm {
        var seconds = time_t(unixMicroseconds.dividedRounding(by: 1_000_000))
        var fields = tm()
        gmtime_r(&seconds, &fields)
        return fields
    }

    /// `20261125-140512`: sortable, for run ids.
    var compact: String {
        let fields = fields
        return pad(Int(fields.tm_year) + 1900, 4) + pad(Int(fields.tm_mon) + 1, 2) + pad(Int(fields.tm_mday), 2) + "-"
            + pad(Int(fields.tm_hour), 2) + pad(Int(fields.tm_min), 2) + pad(Int(fields.tm_sec), 2)
    }

    /// `2026-11-25T14:05:12.345Z`: ISO 8601 with milliseconds.
    var iso8601: String {
        let fields = fields
        let milliseconds = Int(unixMicroseconds - unixMicroseconds.dividedRounding(by: 1_000_000) * 1_000_000) / 1_000
        return pad(Int(fields.tm_year) + 1900, 4) + "-" + pad(Int(fields.tm_mon) + 1, 2) + "-" + pad(Int(fields.tm_mday), 2)
            + "T" + pad(Int(fields.tm_hour), 2) + ":" + pad(Int(fields.tm_min), 2) + ":" + pad(Int(fields.tm_sec), 2)
            + "." + pad(milliseconds, 3) + "Z"
    }

    private func pad(_ value: Int, _ digits: Int) -> String { String(zeroPadded: value, digits: digits) }
}

extension Int64 {
    /// Division that rounds toward minus infinity (whole seconds of an instant before 1970 too).
    fileprivate func dividedRounding(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return self % divisor < 0 ? quotient - 1 : quotient
    }
}
