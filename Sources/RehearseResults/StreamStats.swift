#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel

/// Timing of one stream step (`events` or `collect`, spec §8), for the reports.
public struct StreamStepStats: Sendable {
    /// 1-based index of the step in the case.
    public var step: Int
    /// `events` or `collect`.
    public var kind: String
    /// Messages that arrived during the step (for `collect`: those collected).
    public var messages: Int
    /// From the request being sent (SSE) or the step's start (WebSocket) to the first message.
    public var first: Duration?
    /// Nearest-rank percentiles of the gaps between consecutive messages: p50, p95, p99, max.
    public var gaps: [(label: String, value: Duration)]
    /// Messages per second between the first and the last; nil with fewer than two.
    public var perSecond: Double?
    /// Arrival offsets of the messages from the step's origin, for the HTML timeline; at most
    /// `timelineLimit` are kept.
    public var arrivals: [Duration]

    public static let timelineLimit = 200

    package init(step: Int, kind: String, messages: Int, first: Duration?, gaps: [(label: String, value: Duration)],
                 perSecond: Double?, arrivals: [Duration] = []) {
        self.step = step
        self.kind = kind
        self.messages = messages
        self.first = first
        self.gaps = gaps
        self.perSecond = perSecond
        self.arrivals = arrivals
    }

    public func gap(_ label: String) -> Duration? { gaps.first { $0.label == label }?.value }

    /// `first 412ms · gap p95 38ms · 212 msg`, as the console shows it beside the case.
    public var summary: String {
        var parts: [String] = []
        if let first { parts.append("first \(Self.ms(first))") }
        if let p95 = gap("p95") { parts.append("gap p95 \(Self.ms(p95))") }
        parts.append("\(messages) msg")
        return parts.joined(separator: " · ")
    }

    static func ms(_ d: Duration) -> String {
        let (s, atto) = d.components
        let ms = Double(s) * 1000 + Double(atto) / 1e15
        return ms >= 10 || ms == 0 ? "\(Int(ms.rounded()))ms" : Text.fixed(ms, digits: 1) + "ms"
    }
}
