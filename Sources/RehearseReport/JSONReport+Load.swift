#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseResults

/// The `load` object of a result (docs/report-format.md): percentiles, rate, dropped, failures by
/// cause, start lag and one row per second.
extension JSONReport {
    static func loadObject(_ l: LoadStats) -> JSONValue {
        let d = l.detail
        var o: [String: JSONValue] = [
            "requests": .number(Double(l.requests)),
            "failures": .number(Double(l.failures)),
            "latency_ms": milliseconds(l.percentiles),
            "model": .string(d.model.rawValue),
            "rate_per_s": .number((d.achievedRate * 10).rounded() / 10),
            "dropped": .number(Double(d.dropped)),
            "errors": .object(Dictionary(d.errorsByCause.map { ($0.cause, JSONValue.number(Double($0.count))) },
                                         uniquingKeysWith: { a, _ in a })),
            "elapsed_ms": ms(d.elapsed),
            "over_time": .array(d.timeline.map { row -> JSONValue in
                var r: [String: JSONValue] = [
                    "second": .number(Double(row.second)), "requests": .number(Double(row.requests)),
                    "errors": .number(Double(row.errors)), "dropped": .number(Double(row.dropped)),
                ]
                if let v = row.p50 { r["p50_ms"] = ms(v) }
                if let v = row.p99 { r["p99_ms"] = ms(v) }
                if let v = row.max { r["max_ms"] = ms(v) }
                return .object(r)
            }),
        ]
        if let t = d.targetRate { o["target_rate_per_s"] = .number((t * 10).rounded() / 10) }
        if !d.startLag.isEmpty { o["start_lag_ms"] = milliseconds(d.startLag) }
        return .object(o)
    }

    /// Milliseconds to 0.001 ms: a loopback request takes tens of microseconds.
    static func ms(_ d: Duration) -> JSONValue { .number((d.milliseconds * 1000).rounded() / 1000) }

    static func milliseconds(_ pairs: [(label: String, value: Duration)]) -> JSONValue {
        .object(Dictionary(pairs.map { ($0.label, ms($0.value)) }, uniquingKeysWith: { a, _ in a }))
    }

    /// What `loadObject` wrote, read back (`rehearse merge`); reports from before these fields
    /// existed read as a closed model with no timeline.
    static func loadDetail(_ value: JSONValue) throws(ReportDecodeError) -> LoadDetail {
        var d = LoadDetail()
        guard case .object(let o) = value else { return d }
        if case .string(let m)? = o["model"], let model = LoadDetail.Model(rawValue: m) { d.model = model }
        d.achievedRate = o["rate_per_s"]?.doubleValue ?? 0
        d.targetRate = o["target_rate_per_s"]?.doubleValue
        d.dropped = Int(o["dropped"]?.doubleValue ?? 0)
        d.elapsed = duration(o["elapsed_ms"]?.doubleValue ?? 0)
        if case .object(let causes)? = o["errors"] {
            d.errorsByCause = causes.compactMap { k, v in v.doubleValue.map { (cause: k, count: Int($0)) } }
                .sorted { $0.count != $1.count ? $0.count > $1.count : $0.cause < $1.cause }
        }
        if case .object(let lag)? = o["start_lag_ms"] {
            d.startLag = ["p50", "p99", "max"].compactMap { k in lag[k]?.doubleValue.map { (label: k, value: duration($0)) } }
        }
        if case .array(let rows)? = o["over_time"] {
            for (i, row) in rows.enumerated() {
                guard case .object(let r) = row, let second = r["second"]?.doubleValue else {
                    throw ReportDecodeError(message: "load.over_time[\(i)]: expected an object with `second`")
                }
                d.timeline.append(LoadSecond(second: Int(second), requests: Int(r["requests"]?.doubleValue ?? 0),
                                             errors: Int(r["errors"]?.doubleValue ?? 0), dropped: Int(r["dropped"]?.doubleValue ?? 0),
                                             p50: r["p50_ms"]?.doubleValue.map(duration), p99: r["p99_ms"]?.doubleValue.map(duration),
                                             max: r["max_ms"]?.doubleValue.map(duration)))
            }
        }
        return d
    }
}
