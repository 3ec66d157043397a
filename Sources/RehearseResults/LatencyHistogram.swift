/// Latencies counted in buckets whose width grows with the value (the HdrHistogram layout): every
/// value is kept to `significantDigits` digits, and memory is fixed by the range and precision,
/// never by how many values were recorded. A load case of ten million requests holds one of these
/// (about 270 KB at 3 digits), not ten million durations.
///
/// Values are nanoseconds from 1 ns to 2^42 ns (73 minutes); larger ones count as the largest.
/// We wrote it rather than use HdrHistogram/hdrhistogram-swift: see docs/performance.md
/// ("Latency histogram").
public struct LatencyHistogram: Sendable, Equatable {
    public let significantDigits: Int
    /// Log2 of half the sub-buckets: values below `subBucketCount` are counted exactly.
    private let subBucketHalfCountMagnitude: Int
    private let subBucketHalfCount: Int
    private let subBucketMask: UInt64
    private var counts: [UInt64]
    public private(set) var totalCount: UInt64 = 0
    public private(set) var minValue: UInt64 = .max
    public private(set) var maxValue: UInt64 = 0

    static let highestTrackable: UInt64 = 1 << 42

    /// `significantDigits` from 1 to 5; 3 keeps every value within 0.1%.
    public init(significantDigits: Int = 3) {
        let digits = min(max(significantDigits, 1), 5)
        self.significantDigits = digits
        var largestSingleUnit = 2
        for _ in 0..<digits { largestSingleUnit *= 10 }
        var magnitude = 0
        while (1 << magnitude) < largestSingleUnit { magnitude += 1 }  // sub-bucket count: a power of two
        let subBucketCount = 1 << magnitude
        subBucketHalfCountMagnitude = magnitude - 1
        subBucketHalfCount = subBucketCount / 2
        subBucketMask = UInt64(subBucketCount - 1)
        var buckets = 1
        var smallestUntrackable = UInt64(subBucketCount)
        while smallestUntrackable <= Self.highestTrackable {
            smallestUntrackable <<= 1
            buckets += 1
        }
        counts = [UInt64](repeating: 0, count: (buckets + 1) * subBucketHalfCount)
    }

    public var isEmpty: Bool { totalCount == 0 }

    public mutating func record(_ duration: Duration) {
        // A negative duration (a request started a few µs early and answered at once) counts as
        // 0; its components would be negative too.
        guard duration > .zero else { return record(nanoseconds: 0) }
        let (s, atto) = duration.components
        let ns = s >= Int64(Self.highestTrackable / 1_000_000_000) ? Self.highestTrackable : UInt64(s) * 1_000_000_000 + UInt64(atto / 1_000_000_000)
        record(nanoseconds: ns)
    }

    public mutating func record(nanoseconds value: UInt64, count: UInt64 = 1) {
        let v = min(value, Self.highestTrackable)
        counts[index(of: v)] &+= count
        totalCount &+= count
        if v < minValue { minValue = v }
        if v > maxValue { maxValue = v }
    }

    /// Adds another histogram of the same precision (a per-second row into the case's total).
    public mutating func add(_ other: LatencyHistogram) {
        precondition(other.significantDigits == significantDigits, "histograms of different precision")
        for i in other.counts.indices where other.counts[i] != 0 { counts[i] &+= other.counts[i] }
        totalCount &+= other.totalCount
        minValue = min(minValue, other.minValue)
        maxValue = max(maxValue, other.maxValue)
    }

    /// The value at `percentile` (0–100): the highest value equivalent to the one where the
    /// cumulative count reaches `percentile`% of all values (HdrHistogram's rule); 100 is the
    /// exact maximum. Nil when nothing was recorded.
    public func value(atPercentile percentile: Double) -> Duration? {
        guard totalCount > 0 else { return nil }
        if percentile >= 100 { return .nanoseconds(Int64(maxValue)) }
        let p = max(percentile, 0)
        let wanted = max(1, UInt64((p / 100 * Double(totalCount)).rounded()))
        var running: UInt64 = 0
        for i in counts.indices where counts[i] != 0 {
            running += counts[i]
            if running >= wanted {
                // Never above the true maximum (the last bucket's upper edge can be).
                return .nanoseconds(Int64(min(highestEquivalent(value(at: i)), maxValue)))
            }
        }
        return .nanoseconds(Int64(maxValue))
    }

    // MARK: Layout

    private func bucketIndex(_ v: UInt64) -> Int {
        // The bucket whose range holds v: how far its top bit is above the sub-bucket range.
        63 - (v | subBucketMask).leadingZeroBitCount - subBucketHalfCountMagnitude
    }

    func index(of v: UInt64) -> Int {
        let bucket = bucketIndex(v)
        let subBucket = Int(v >> UInt64(bucket))
        return ((bucket + 1) << subBucketHalfCountMagnitude) + (subBucket - subBucketHalfCount)
    }

    func value(at index: Int) -> UInt64 {
        var bucket = (index >> subBucketHalfCountMagnitude) - 1
        var subBucket = (index & (subBucketHalfCount - 1)) + subBucketHalfCount
        if bucket < 0 {
            subBucket -= subBucketHalfCount
            bucket = 0
        }
        return UInt64(subBucket) << UInt64(bucket)
    }

    /// The largest value counted in the same slot as `v`.
    func highestEquivalent(_ v: UInt64) -> UInt64 {
        let bucket = bucketIndex(v)
        let width = UInt64(1) << UInt64(bucket)
        let lowest = (v >> UInt64(bucket)) << UInt64(bucket)
        return lowest + width - 1
    }

    /// Bytes held by the counts, for the memory benchmark and docs.
    public var footprintBytes: Int { counts.count * MemoryLayout<UInt64>.stride }
}
