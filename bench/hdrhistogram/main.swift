import Foundation
func now() -> Double { var t = timespec(); clock_gettime(CLOCK_MONOTONIC, &t); return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9 }
let n = 10_000_000
var values = [UInt64](repeating: 0, count: 1 << 16)
var s: UInt64 = 12345
for i in values.indices { s = s &* 6364136223846793005 &+ 1442695040888963407; values[i] = 100_000 + (s >> 33) % 50_000_000 }
for round in 0..<3 {
    var a = LatencyHistogram()
    var t = now()
    for i in 0..<n { a.record(nanoseconds: values[i & 0xFFFF]) }
    let ours = now() - t
    t = now()
    let p1 = a.value(atPercentile: 99.9)!
    let oursP = now() - t
    var b = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 1 << 42, numberOfSignificantValueDigits: .three)
    t = now()
    for i in 0..<n { b.record(values[i & 0xFFFF]) }
    let theirs = now() - t
    t = now()
    let p2 = b.valueAtPercentile(99.9)
    let theirsP = now() - t
    print(String(format: "round %d: record 10M: ours %.1f ns/value, theirs %.1f ns/value; p99.9 ours %.3f ms (%.1f µs), theirs %.3f ms (%.1f µs)",
                 round, ours / Double(n) * 1e9, theirs / Double(n) * 1e9, p1.components.attoseconds > 0 ? Double(p1.components.attoseconds) / 1e15 + Double(p1.components.seconds) * 1000 : Double(p1.components.seconds) * 1000, oursP * 1e6, Double(p2) / 1e6, theirsP * 1e6))
}
