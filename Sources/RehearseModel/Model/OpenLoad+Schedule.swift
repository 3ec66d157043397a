/// When each request of an open-model load starts, as an offset from the case's start: pure
/// arithmetic, so the parser can lint a schedule and tests can check it without a clock.
///
/// The rate is piecewise linear: stage i goes from the previous stage's rate (0 before the first
/// ramped stage; its own rate for `rate:`) to its own over its duration. Request k (from 0) starts
/// when the number of requests due so far — the area under the rate — reaches k, so request 0
/// starts at once and a constant 500/s starts one every 2 ms.
public struct LoadScheduleMath: Sendable {
    struct Segment: Sendable {
        var start: Double       // seconds from the case's start
        var length: Double      // seconds
        var fromRate: Double
        var toRate: Double
        var before: Double      // requests due before the segment
        var area: Double { (fromRate + toRate) / 2 * length }
    }

    let segments: [Segment]
    /// How many requests the schedule starts.
    public let total: Int
    /// The schedule's length.
    public let length: Duration

    public init(_ open: OpenLoad) {
        segments = Self.segments(open.stages, ramped: open.ramped)
        let due = segments.last.map { $0.before + $0.area } ?? 0
        var total = Self.count(due)
        if let cap = open.requests { total = min(total, cap) }
        self.total = total
        self.length = .nanoseconds(Int64(((segments.last.map { $0.start + $0.length } ?? 0) * 1e9).rounded()))
    }

    /// How many requests `stages` start (the parser's check that a schedule starts any).
    public static func totalRequests(_ stages: [LoadStage], ramped: Bool) -> Int {
        let s = segments(stages, ramped: ramped)
        return count(s.last.map { $0.before + $0.area } ?? 0)
    }

    /// The mean rate asked for: requests over the schedule's length.
    public var meanRate: Double {
        let seconds = length.seconds
        return seconds > 0 ? Double(total) / seconds : 0
    }

    /// When request `k` (0 ..< total) is due, from the case's start.
    public func offset(of k: Int) -> Duration { .nanoseconds(Int64((seconds(of: k) * 1e9).rounded())) }

    /// When request `k` is due, in seconds. Walks the segments: there are a handful.
    public func seconds(of k: Int) -> Double {
        let x = Double(k)
        for s in segments where x < s.before + s.area {
            let local = x - s.before
            if local <= 0 { return s.start }
            let slope = (s.toRate - s.fromRate) / s.length
            // a t² + b t = local with a = slope / 2, b = fromRate; the root in the form that stays
            // exact as the slope goes to 0.
            let disc = max(s.fromRate * s.fromRate + 2 * slope * local, 0)
            let denominator = s.fromRate + disc.squareRoot()
            let t = denominator > 0 ? 2 * local / denominator : s.length
            return s.start + min(t, s.length)
        }
        return segments.last.map { $0.start + $0.length } ?? 0
    }

    static func segments(_ stages: [LoadStage], ramped: Bool) -> [Segment] {
        var out: [Segment] = []
        var start = 0.0, before = 0.0, previous = ramped ? 0 : (stages.first?.rate ?? 0)
        for stage in stages {
            let s = Segment(start: start, length: stage.duration.seconds, fromRate: previous, toRate: stage.rate, before: before)
            out.append(s)
            start += s.length
            before += s.area
            previous = stage.rate
        }
        return out
    }

    /// The whole numbers k ≥ 0 below `due` (rounding noise forgiven).
    static func count(_ due: Double) -> Int {
        guard due > 1e-9 else { return 0 }
        return Int(min((due - 1e-9).rounded(.up), Double(Int.max / 2)))
    }
}

extension OpenLoad {
    /// `10,000 requests at 500/s over 20s, at most 1000 in flight`: what a dry run prints.
    public static func describe(_ open: OpenLoad) -> String {
        let math = LoadScheduleMath(open)
        let shape = open.ramped
            ? open.stages.map { "\(LoadRate.format($0.rate)) for \(DurationParser.format($0.duration))" }.joined(separator: ", then ")
            : "\(LoadRate.format(open.stages.first?.rate ?? 0)) over \(DurationParser.format(math.length))"
        let pool = open.connections.map { " over at most \(min($0, open.maxInFlight)) connections" } ?? ""
        return "\(math.total) requests at \(shape), at most \(open.maxInFlight) in flight" + pool
    }
}
