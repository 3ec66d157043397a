import XCTest
@testable import RehearseRuntime

/// Selection must give exactly what nearest rank on the sorted values gives: stream gap
/// percentiles are reported, and `gap` limits fail a case, from these values.
final class NearestRankSelectTests: XCTestCase {
    func testSelectionEqualsNearestRankOnTheSortedValues() {
        var generator = SystemRandomNumberGenerator()
        let percentiles: [Double] = [0, 1, 50, 90, 95, 99, 99.9, 100]
        for count in Array(1...40) + [100, 1_000, 10_007] {
            for spread in [1, 3, 1_000_000] {  // 1 and 3: many equal values, as a steady stream gives
                let values = (0..<count).map { _ in Int.random(in: 0..<spread, using: &generator) }
                var shuffled = values
                let selected = NearestRank.select(&shuffled, percentiles: percentiles)
                let sorted = values.sorted()
                XCTAssertEqual(selected, percentiles.map { NearestRank.percentile(sorted, $0)! }, "count \(count), spread \(spread)")
                XCTAssertEqual(shuffled.sorted(), sorted, "selection only reorders")
            }
        }
    }

    func testSortedAndReversedInputAndNothing() {
        var ascending = Array(0..<5_000), descending = Array((0..<5_000).reversed())
        XCTAssertEqual(NearestRank.select(&ascending, percentiles: [50, 99, 100]), [2_499, 4_949, 4_999])
        XCTAssertEqual(NearestRank.select(&descending, percentiles: [50, 99, 100]), [2_499, 4_949, 4_999])
        var empty: [Int] = []
        XCTAssertEqual(NearestRank.select(&empty, percentiles: [50]), [])
    }
}
