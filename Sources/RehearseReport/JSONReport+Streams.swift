#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseResults

extension JSONReport {
    /// One stream step's timing: `{step, kind, messages, first_ms, gap_ms: {p50, p95, p99, max},
    /// per_second}` (docs/report-format.md).
    static func stream(_ s: StreamStepStats) -> JSONValue {
        func ms(_ d: Duration) -> JSONValue { .number((d.milliseconds * 10).rounded() / 10) }
        var o: [String: JSONValue] = ["step": .number(Double(s.step)), "kind": .string(s.kind),
                                      "messages": .number(Double(s.messages))]
        if let f = s.first { o["first_ms"] = ms(f) }
        let gaps = s.gaps.filter { ["p50", "p95", "p99", "max"].contains($0.label) }
        if !gaps.isEmpty { o["gap_ms"] = .object(Dictionary(gaps.map { ($0.label, ms($0.value)) }, uniquingKeysWith: { a, _ in a })) }
        if let rate = s.perSecond { o["per_second"] = .number((rate * 10).rounded() / 10) }
        return .object(o)
    }

    /// The stream steps back from a report (for `merge`); the timeline is not kept in JSON.
    static func streams(_ value: JSONValue?) -> [StreamStepStats] {
        guard case .array(let items)? = value else { return [] }
        return items.compactMap { item -> StreamStepStats? in
            guard case .object(let o) = item, let step = o["step"]?.doubleValue, let messages = o["messages"]?.doubleValue
            else { return nil }
            var gaps: [(label: String, value: Duration)] = []
            if case .object(let g)? = o["gap_ms"] {
                for label in ["p50", "p95", "p99", "max"] {
                    if let v = g[label]?.doubleValue { gaps.append((label, duration(v))) }
                }
            }
            return StreamStepStats(step: Int(step), kind: o["kind"]?.stringValue ?? "collect", messages: Int(messages),
                                   first: o["first_ms"]?.doubleValue.map(duration), gaps: gaps,
                                   perSecond: o["per_second"]?.doubleValue)
        }
    }
}
