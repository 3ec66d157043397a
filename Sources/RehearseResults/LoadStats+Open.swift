import RehearseModel

/// What a load case measured besides its percentiles: the model, the rate it achieved, starts
/// dropped at `max_in_flight`, failures by cause and the latency of each second (spec §12).
public struct LoadDetail: Sendable {
    public enum Model: String, Sendable {
        /// `requests` at a fixed `concurrency`: latency from each request's own start.
        case closed
        /// `rate` or `stages`: latency from each request's scheduled start.
        case open
    }
    public var model: Model = .closed
    /// Requests started per second over the case's whole time.
    public var achievedRate: Double = 0
    /// The rate asked for (the mean over `stages`); nil for the closed model.
    public var targetRate: Double?
    /// Starts skipped because `max_in_flight` requests were still waiting.
    public var dropped: Int = 0
    /// Failed requests by cause (`status 503`, `timeout`, `connect`, `assertion`…), most first.
    public var errorsByCause: [(cause: String, count: Int)] = []
    /// One row per second of the run, by the second a request was scheduled (or started) in.
    public var timeline: [LoadSecond] = []
    /// Open model: how late requests actually started against their schedule (p50, p99, max).
    public var startLag: [(label: String, value: Duration)] = []
    /// How long the requests took to send, from the first start to the last response.
    public var elapsed: Duration = .zero

    public init() {}
}

/// One second of a load case.
public struct LoadSecond: Sendable, Equatable {
    /// Seconds since the case's first request (0-based).
    public var second: Int
    /// Requests started (scheduled, for the open model) in this second that were sent.
    public var requests: Int
    public var errors: Int
    public var dropped: Int
    public var p50: Duration?
    public var p99: Duration?
    public var max: Duration?

    public init(second: Int, requests: Int, errors: Int, dropped: Int, p50: Duration?, p99: Duration?, max: Duration?) {
        self.second = second
        self.requests = requests
        self.errors = errors
        self.dropped = dropped
        self.p50 = p50
        self.p99 = p99
        self.max = max
    }
}

extension LoadStats {
    /// The percentiles every report carries, whatever the limits ask for.
    public static let reportedPercentiles: [(percentile: Double, label: String)] = [
        (50, "p50"), (90, "p90"), (95, "p95"), (99, "p99"), (99.9, "p99.9"), (99.99, "p99.99"), (100, "max"),
    ]

    public func percentile(_ label: String) -> Duration? { percentiles.first { $0.label == label }?.value }

    /// `12,000 req · 499.8/s · p50 3.1ms · p99 18ms · p99.9 41ms · 0 dropped`: the console's line.
    public var summaryLine: String {
        var parts = ["\(Self.grouped(requests)) req"]
        // A report from before rates were recorded has none to show.
        if detail.achievedRate > 0 { parts.append("\(Self.rate(detail.achievedRate))/s") }
        for label in ["p50", "p99", "p99.9"] {
            if let v = percentile(label) { parts.append("\(label) \(Self.shortDuration(v))") }
        }
        if detail.model == .open || detail.dropped > 0 { parts.append("\(Self.grouped(detail.dropped)) dropped") }
        if failures > 0 { parts.append("\(Self.grouped(failures)) failed") }
        return parts.joined(separator: " · ")
    }

    /// `12000` → `12,000`.
    public static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// One decimal below 1,000/s (`499.8`), none above (`12,004`).
    static func rate(_ r: Double) -> String {
        r >= 1000 ? grouped(Int(r.rounded())) : String(Double(Int((r * 10).rounded())) / 10)
    }

    /// Two significant figures, as latency is read: `3.1ms`, `18ms`, `410µs`, `1.2s`.
    public static func shortDuration(_ d: Duration) -> String {
        let ms = d.milliseconds
        func two(_ v: Double) -> String {
            if v >= 10 { return String(Int(v.rounded())) }
            let t = String(Double(Int((v * 10).rounded())) / 10)
            return t.hasSuffix(".0") ? String(t.dropLast(2)) : t
        }
        if ms < 1 { return two(ms * 1000) + "µs" }
        if ms < 1000 { return two(ms) + "ms" }
        return two(ms / 1000) + "s"
    }
}
