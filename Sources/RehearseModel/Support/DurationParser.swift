/// Durations as plans write them: a number and a unit (`250ms`, `1.5s`, `15m`, `1h`).
public enum DurationParser {
    /// The longest duration a plan or option may give, in hours (about 114 years). `Duration`
    /// counts nanoseconds in 64 bits (292 years); a cap well below that leaves room for the
    /// deadlines the run adds durations up to, instead of trapping on `99999999h`.
    public static let maximumHours = 1_000_000

    public static func parse(_ s: String) -> Duration? {
        guard let seconds = seconds(s), seconds <= Double(maximumHours) * 3600 else { return nil }
        return .nanoseconds(Int64((seconds * 1e9).rounded()))
    }

    /// True when `s` is written as a duration but is longer than `maximumHours`.
    public static func exceedsMaximum(_ s: String) -> Bool {
        guard let seconds = seconds(s) else { return false }
        return seconds > Double(maximumHours) * 3600
    }

    /// The seconds `s` stands for, without the cap; nil when it is not a number and a unit.
    private static func seconds(_ s: String) -> Double? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, scale) in units where s.hasSuffix(suffix) {
            let number = s.dropLast(suffix.count)
            guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
                  number.first != ".", number.last != ".", let value = Double(number), value.isFinite else { return nil }
            return value * scale
        }
        return nil
    }

    /// Short human form: `250ms`, `1.5s`, `2m`.
    public static func format(_ d: Duration) -> String {
        let ms = d.milliseconds
        if ms < 1000 { return ms == ms.rounded() ? "\(Int(ms))ms" : String(format3(ms)) + "ms" }
        let s = ms / 1000
        if s < 120 { return s == s.rounded() ? "\(Int(s))s" : format3(s) + "s" }
        let m = s / 60
        return m == m.rounded() ? "\(Int(m))m" : format3(m) + "m"
    }

    private static func format3(_ v: Double) -> String {
        var t = String(Double(Int((v * 100).rounded())) / 100)
        if t.hasSuffix(".0") { t.removeLast(2) }
        return t
    }
}

extension Duration {
    /// The duration in milliseconds as a floating-point number.
    public var milliseconds: Double {
        let c = components
        return Double(c.seconds) * 1000 + Double(c.attoseconds) / 1e15
    }

    public var seconds: Double { milliseconds / 1000 }
}
