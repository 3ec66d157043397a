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

    /// Stream gaps: the zeros (events of one read) are counted, the rest selected among; the
    /// result must equal nearest rank over all of them, negative gaps included.
    func testSelectionWithCountedCopiesEqualsNearestRankOnAllTheValues() {
        var generator = SystemRandomNumberGenerator()
        let percentiles: [Double] = [0, 1, 50, 90, 95, 99, 99.9, 100]
        for count in Array(0...30) + [1_000, 5_003] {
            for spread in [2, 5, 1_000_000] {
                let all = (0..<count).map { _ in Int.random(in: -spread / 2 ... spread, using: &generator) }
                var others = all.filter { $0 != 0 }
                let zeros = count - others.count, below = others.filter { $0 < 0 }.count
                let selected = NearestRank.select(&others, percentiles: percentiles, plus: zeros, of: 0, below: below)
                let sorted = all.sorted()
                XCTAssertEqual(selected, count == 0 ? [] : percentiles.map { NearestRank.percentile(sorted, $0)! },
                               "count \(count), spread \(spread), \(zeros) zeros")
            }
        }
        var nothing: [Int] = []
        XCTAssertEqual(NearestRank.select(&nothing, percentiles: [50, 100], plus: 3, of: 0, below: 0), [0, 0], "only copies")
    }

    func testSortedAndReversedInputAndNothing() {
        var ascending = Array(0..<5_000), descending = Array((0..<5_000).reversed())
        XCTAssertEqual(NearestRank.select(&ascending, percentiles: [50, 99, 100]), [2_499, 4_949, 4_999])
        XCTAssertEqual(NearestRank.select(&descending, percentiles: [50, 99, 100]), [2_499, 4_949, 4_999])
        var empty: [Int] = []
        XCTAssertEqual(NearestRank.select(&empty, percentiles: [50]), [])
    }
}
