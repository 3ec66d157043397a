import XCTest

@testable import RehearseResults

final class LatencyHistogramTests: XCTestCase {
    /// Every value comes back within 0.1% (3 significant digits), from 1 µs to an hour.
    func testValuesKeepThreeSignificantDigits() {
        for ns: UInt64 in [1, 999, 1_000, 2_047, 2_048, 12_345, 3_100_000, 18_000_000, 41_234_567, 1_000_000_000, 3_600_000_000_000] {
            var h = LatencyHistogram()
            h.record(nanoseconds: ns)
            h.record(nanoseconds: ns * 2)  // so the median is not the exact maximum
            let p50 = UInt64(h.value(atPercentile: 50)!.components.attoseconds / 1_000_000_000)
                + UInt64(h.value(atPercentile: 50)!.components.seconds) * 1_000_000_000
            XCTAssertGreaterThanOrEqual(p50, ns, "\(ns)")
            XCTAssertLessThanOrEqual(Double(p50 - ns), Double(ns) / 1000 + 1, "\(ns) came back as \(p50)")
        }
    }

    /// Percentiles agree with nearest-rank percentiles of the exact values to 0.1%.
    func testPercentilesMatchExactNearestRank() {
        var h = LatencyHistogram()
        var state: UInt64 = 7
        var values: [UInt64] = []
        for _ in 0..<50_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            // Mostly 1–5 ms with a tail to 2 s: a latency-shaped spread.
            let v = (state >> 33) % 100 == 0 ? 100_000_000 + (state >> 20) % 1_900_000_000 : 1_000_000 + (state >> 20) % 4_000_000
            values.append(v)
            h.record(nanoseconds: v)
        }
        values.sort()
        for p in [50.0, 90, 99, 99.9, 99.99] {
            // Nearest rank, ceil(p% of n), computed so that 99.9% of 50,000 is exactly 49,950.
            let rank = Int((p * Double(values.count) / 100 - 1e-9).rounded(.up))
            let exact = Double(values[rank - 1])
            let got = h.value(atPercentile: p)!.milliseconds * 1e6
            XCTAssertEqual(got, exact, accuracy: exact / 1000 + 2, "p\(p)")
        }
        XCTAssertEqual(h.value(atPercentile: 100), .nanoseconds(Int64(values.last!)), "max is exact")
        XCTAssertEqual(h.totalCount, 50_000)
    }

    /// Memory is fixed by precision and range: recording more values never grows it.
    func testFootprintDoesNotGrowWithValues() {
        var h = LatencyHistogram()
        let before = h.footprintBytes
        for i in 0..<200_000 { h.record(nanoseconds: UInt64(i % 5_000) * 997_001 + 1) }
        XCTAssertEqual(h.footprintBytes, before)
        XCTAssertLessThan(before, 300_000)
        XCTAssertLessThan(LatencyHistogram(significantDigits: 2).footprintBytes, 40_000)
    }

    func testValuesBeyondTheRangeCountAsTheLargest() {
        var h = LatencyHistogram()
        h.record(.seconds(100_000))
        h.record(.seconds(-1))
        h.record(.milliseconds(-5))  // seconds 0, attoseconds negative
        XCTAssertEqual(h.totalCount, 3)
        XCTAssertEqual(h.value(atPercentile: 100), .nanoseconds(Int64(LatencyHistogram.highestTrackable)))
        XCTAssertEqual(h.value(atPercentile: 1), .zero)
    }

    func testAddingHistogramsIsRecordingBoth() {
        var a = LatencyHistogram(), b = LatencyHistogram(), both = LatencyHistogram()
        for i in 1...1000 {
            a.record(.microseconds(i)); both.record(.microseconds(i))
            b.record(.milliseconds(i)); both.record(.milliseconds(i))
        }
        a.add(b)
        XCTAssertEqual(a, both)
        XCTAssertNil(LatencyHistogram().value(atPercentile: 50))
    }
}
