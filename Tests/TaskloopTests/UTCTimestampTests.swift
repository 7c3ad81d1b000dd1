import Testing

@testable import Taskloop

@Suite struct UTCTimestampTests {
    @Test(arguments: [
        (Int64(1_764_080_134_123_456), "20251125-141534", "2025-11-25T14:15:34.123Z"),
        (Int64(0), "19700101-000000", "1970-01-01T00:00:00.000Z"),
        (Int64(-1_500_000), "19691231-235958", "1969-12-31T23:59:58.500Z"),
    ])
    func writesTheInstantInUTC(microseconds: Int64, compact: String, iso8601: String) {
        let instant = UTCTimestamp(unixMicroseconds: microseconds)
        #expect(instant.compact == compact)
        #expect(instant.iso8601 == iso8601)
    }

    @Test func runIDsSortByStartTime() {
        let id = PipelineRunner.makeRunID(at: UTCTimestamp(unixMicroseconds: 1_764_080_134_123_456))
        #expect(id.hasPrefix("20251125-141534-"))
        #expect(id.count == "20251125-141534-3f9a".count)
    }
}
