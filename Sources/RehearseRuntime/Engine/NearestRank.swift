/// Nearest-rank percentiles over a sorted list (spec §8: stream gaps). Load cases, which may see
/// millions of values, read theirs from a `LatencyHistogram` instead.
enum NearestRank {
    /// The value at percentile `p` (0–100) of `sorted`, or nil when it is empty.
    static func percentile(_ sorted: [Duration], _ p: Double) -> Duration? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}
