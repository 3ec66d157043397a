#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseDiagnostics
import RehearseCompiler
import RehearseResults

extension StreamConversation {
    /// `events` (spec §8): waits until every expected message has arrived (in order, or in any
    /// order), passing over the others, and ends as soon as the last one does. A forbidden
    /// message fails the step at once.
    mutating func events(_ e: EventsStep, index: Int, label: String, at: SourceLocation) async -> Failure? {
        let within = e.within ?? defaultWithin
        let deadline = context.clock.instant() + within
        let stepOrigin = origin
        var found = [Bool](repeating: false, count: e.expected.count)
        var nextInOrder = 0
        var arrivals = ArrivalTimes()
        /// In-order expectations that arrived while an earlier one (`before`) was still awaited:
        /// the order was wrong.
        var early: [(index: Int, arrival: ContinuousClock.Instant, before: Int)] = []
        defer { stats.append(Self.stats(index, "events", arrivals, origin: stepOrigin, start: start)) }
        do throws(RenderError) {
            while found.contains(false) {
                switch await next(until: deadline) {
                case .message(let m):
                    arrivals.append(m.arrival)
                    if let f = try firstMatch(e.forbid, m) {
                        return Failure(.assertion, "\(label): a forbidden message \(wanted(f)) arrived at +\(offset(m.arrival)): "
                                       + shown(m), at: at)
                    }
                    if e.inOrder {
                        if try matches(e.expected[nextInOrder], m) {
                            found[nextInOrder] = true
                            if let f = keepCaptures(e.expected[nextInOrder].captures, m, label: label, at: at) { return f }
                            nextInOrder += 1
                        } else if let later = try firstMatch(e.expected, m, among: (nextInOrder + 1 ..< e.expected.count).filter { i in
                            !early.contains { $0.index == i }
                        }) {
                            early.append((later, m.arrival, nextInOrder))
                        }
                    } else if let i = try firstMatch(e.expected, m, among: found.indices.filter { !found[$0] }) {
                        found[i] = true
                        if let f = keepCaptures(e.expected[i].captures, m, label: label, at: at) { return f }
                    }
                    if context.isCancelled { return Failure(.interrupted, "\(label): interrupted", at: at) }
                case .ended(let end):
                    return missing(e, found, early, why: "\(describe(end)) before", label: label, at: at)
                case .timedOut:
                    if context.isCancelled { return Failure(.interrupted, "\(label): interrupted", at: at) }
                    return missing(e, found, early, why: "within \(DurationParser.format(within)) not", label: label, at: at)
                }
            }
        } catch {
            return Failure(.template, "\(label): cannot render an expected value: \(error.message)", at: at)
        }
        return nil
    }

    /// The failure that names each expected message that never came (and the ones that came
    /// too early, for `in_order`), with the last messages that did come.
    private func missing(_ e: EventsStep, _ found: [Bool], _ early: [(index: Int, arrival: ContinuousClock.Instant, before: Int)],
                         why: String, label: String, at: SourceLocation) -> Failure {
        let absent = found.indices.filter { !found[$0] }
        var text = "\(label): \(why) every expected message arrived; missing "
            + absent.map { "#\($0 + 1) \(wanted(e.expected[$0]))" }.joined(separator: ", ")
        let wrongOrder = early.filter { absent.contains($0.index) }
        if !wrongOrder.isEmpty {
            text += "; wrong order: " + wrongOrder.map {
                "#\($0.index + 1) \(wanted(e.expected[$0.index])) came at +\(offset($0.arrival)), before #\($0.before + 1)"
            }.joined(separator: ", ")
        }
        return Failure(.assertion, text + "; " + recentWithTimes, at: at)
    }

    /// The first matcher that takes the message.
    func firstMatch(_ matchers: [MessageMatcher], _ m: StreamMessage) throws(RenderError) -> MessageMatcher? {
        for f in matchers {
            if try matches(f, m) { return f }
        }
        return nil
    }

    /// The first of `indices` whose matcher takes the message.
    func firstMatch(_ matchers: [MessageMatcher], _ m: StreamMessage, among indices: [Int]) throws(RenderError) -> Int? {
        for i in indices {
            if try matches(matchers[i], m) { return i }
        }
        return nil
    }

    func offset(_ arrival: ContinuousClock.Instant) -> String { DurationParser.format(Self.rounded(arrival - start)) }

    /// Timing of one stream step: the messages' arrivals measured from `origin`.
    static func stats(_ step: Int, _ kind: String, _ arrivals: ArrivalTimes, origin: ContinuousClock.Instant,
                      start: ContinuousClock.Instant) -> StreamStepStats {
        // The events of one read share its arrival, so a fast stream's gaps are mostly zero:
        // those are counted, and only the others are selected among (not sorted: a sort of
        // 200,000 gaps showed in profiles of a long `collect`).
        var (gaps, zeros, negative) = arrivals.gaps()
        let labels = ["p50", "p90", "p95", "p99", "max"]
        let values = NearestRank.select(&gaps, percentiles: [50, 90, 95, 99, 100], plus: zeros, of: .zero, below: negative)
        let labelled = zip(labels, values).map { (label: $0, value: $1) }
        var rate: Double?
        if let a = arrivals.first, let b = arrivals.last, arrivals.count > 1, b > a {
            rate = Double(arrivals.count - 1) / ((b - a) / .seconds(1))
        }
        let stride = max(1, arrivals.count / StreamStepStats.timelineLimit + (arrivals.count % StreamStepStats.timelineLimit == 0 ? 0 : 1))
        let timeline = arrivals.every(stride).map { $0 - start }
        // Time to first counts from the request or the last `send`: a message that was already
        // waiting (it came before the `send`) is no answer to it, so the first one after counts;
        // when every one came before, the step had its message at once.
        let first = arrivals.first.map { _ in (arrivals.first(notBefore: origin) ?? origin) - origin }
        return StreamStepStats(step: step, kind: kind, messages: arrivals.count, first: first,
                               gaps: labelled, perSecond: rate, arrivals: timeline)
    }
}
