import XCTest

@testable import RehearseResults
@testable import RehearseRuntime

/// Arrivals kept as runs of equal instants must give exactly the statistics the plain list of
/// instants gives: gap percentiles, rate, time to first and the timeline.
final class ArrivalTimesTests: XCTestCase {
    static let base = ContinuousClock.now

    /// The statistics computed the plain way, over every gap sorted.
    static func reference(_ instants: [ContinuousClock.Instant], origin: ContinuousClock.Instant)
        -> (gaps: [Duration], first: Duration?, timeline: [Duration])
    {
        let gaps = zip(instants.dropFirst(), instants).map { $0 - $1 }.sorted()
        let percentiles = gaps.isEmpty ? [] : [50.0, 90, 95, 99, 100].map { NearestRank.percentile(gaps, $0)! }
        let first = instants.first.map { _ in (instants.first { $0 >= origin } ?? origin) - origin }
        let limit = StreamStepStats.timelineLimit
        let stride = max(1, instants.count / limit + (instants.count % limit == 0 ? 0 : 1))
        let timeline = Swift.stride(from: 0, to: instants.count, by: stride).map { instants[$0] - base }
        return (percentiles, first, timeline)
    }

    func testRunsGiveTheStatisticsOfThePlainInstants() {
        var generator = SystemRandomNumberGenerator()
        for count in Array(0...12) + [199, 200, 201, 5_000] {
            for repeats in [1, 3, 50] {  // how many events a read holds at most
                for backwards in [false, true] {
                    var instants: [ContinuousClock.Instant] = []
                    var t = Self.base
                    while instants.count < count {
                        let step = Int.random(in: (backwards ? -5 : 0)...20, using: &generator)
                        t = t + .milliseconds(step)
                        let n = min(Int.random(in: 1...repeats, using: &generator), count - instants.count)
                        instants += Array(repeating: t, count: n)
                    }
                    let origin = Self.base + .milliseconds(10)
                    let s = StreamConversation.stats(1, "collect", ArrivalTimes(instants), origin: origin, start: Self.base)
                    let r = Self.reference(instants, origin: origin)
                    let what = "\(count) messages, up to \(repeats) per read\(backwards ? ", some backwards" : "")"
                    XCTAssertEqual(s.messages, count, what)
                    XCTAssertEqual(s.gaps.map(\.value), r.gaps, what)
                    XCTAssertEqual(s.first, r.first, what)
                    XCTAssertEqual(s.arrivals, r.timeline, what)
                }
            }
        }
    }

    func testEqualNeighboursMergeIntoOneRun() {
        var a = ArrivalTimes()
        a.append(Self.base, count: 3)
        a.append(Self.base)
        a.append(Self.base, count: 0)
        a.append(Self.base + .milliseconds(1))
        XCTAssertEqual(a.count, 5)
        XCTAssertEqual(a.runs.count, 2)
        XCTAssertEqual(a.every(2), [Self.base, Self.base, Self.base + .milliseconds(1)])
        let gaps = a.gaps()
        XCTAssertEqual(gaps.zeros, 3)
        XCTAssertEqual(gaps.others, [.milliseconds(1)])
    }
}
