/// Durations as plans write them: a number and a unit (`250ms`, `1.5s`, `15m`, `1h`).
public enum DurationParser {
    public static func parse(_ s: String) -> Duration? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, scale) in units where s.hasSuffix(suffix) {
            let number = s.dropLast(suffix.count)
            guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
                  number.first != ".", number.last != ".", let value = Double(number) else { return nil }
            return .nanoseconds(Int64((value * scale * 1e9).rounded()))
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
