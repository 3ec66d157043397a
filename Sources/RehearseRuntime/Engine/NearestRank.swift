/// Nearest-rank percentiles (spec §8: stream gaps). Load cases, which may see millions of
/// values, read theirs from a `LatencyHistogram` instead.
enum NearestRank {
    /// The value at percentile `p` (0–100) of `sorted`, or nil when it is empty.
    static func percentile<T>(_ sorted: [T], _ p: Double) -> T? {
        guard !sorted.isEmpty else { return nil }
        return sorted[rank(p, sorted.count) - 1]
    }

    /// The 1-based nearest rank of percentile `p` among `count` values.
    static func rank(_ p: Double, _ count: Int) -> Int {
        min(max(Int((p / 100 * Double(count)).rounded(.up)), 1), count)
    }

    /// The values at `percentiles` (ascending, 0–100) of `values`, the same as `percentile` on
    /// the sorted values, found by selection in expected linear time instead of a sort; `values`
    /// is reordered. Empty when `values` is.
    @_specialize(where T == Duration)
    static func select<T: Comparable>(_ values: inout [T], percentiles: [Double]) -> [T] {
        guard !values.isEmpty else { return [] }
        var found: [T] = []
        var low = 0
        for p in percentiles {
            let k = rank(p, values.count) - 1
            // Everything from `low` on is at least the value found last, so the search narrows.
            selectInPlace(&values, k, low: max(0, min(low, k)), high: values.count)
            found.append(values[k])
            low = k
        }
        return found
    }

    /// The values at `percentiles` (ascending, 0–100) of `values` together with `copies` more
    /// values equal to `value`, of which `values` holds `below` smaller ones; the same as
    /// `percentile` on all of them sorted. For a stream's gaps, most of which are zero (the
    /// events of one read share its arrival): the zeros are counted, not selected among.
    @_specialize(where T == Duration)
    static func select<T: Comparable>(_ values: inout [T], percentiles: [Double], plus copies: Int, of value: T, below: Int) -> [T] {
        let total = values.count + copies
        guard total > 0 else { return [] }
        var found: [T] = []
        var low = 0
        for p in percentiles {
            let k = rank(p, total) - 1
            if k >= below && k < below + copies {
                found.append(value)
                continue
            }
            // In `values`, the copies sit between the smaller ones and the rest.
            let i = k < below ? k : k - copies
            selectInPlace(&values, i, low: max(0, min(low, i)), high: values.count)
            found.append(values[i])
            low = i
        }
        return found
    }

    /// Reorders `a[low..<high]` so that `a[k]` holds the value a sort would put there, nothing
    /// after it is smaller and nothing before it larger (Hoare's FIND, median-of-three pivot).
    @_specialize(where T == Duration)
    private static func selectInPlace<T: Comparable>(_ a: inout [T], _ k: Int, low: Int, high: Int) {
        var lo = low, hi = high - 1
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            if a[mid] < a[lo] { a.swapAt(mid, lo) }
            if a[hi] < a[lo] { a.swapAt(hi, lo) }
            if a[hi] < a[mid] { a.swapAt(hi, mid) }
            let pivot = a[mid]
            var i = lo, j = hi
            while i <= j {
                while a[i] < pivot { i += 1 }
                while pivot < a[j] { j -= 1 }
                if i <= j {
                    a.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if k <= j {
                hi = j
            } else if k >= i {
                lo = i
            } else {
                return  // a[j+1..<i] all equal the pivot, k among them
            }
        }
    }
}
