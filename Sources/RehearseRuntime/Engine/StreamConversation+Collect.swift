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
    /// `collect` (spec §8): gathers the messages `match` takes until one matches `until` (or the
    /// stream ends, or `within` runs out), joins them, then checks `count`, `text`, `first` and
    /// `gap` on what was collected and captures the joined text. Every check that fails is named.
    mutating func collect(_ c: CollectStep, index: Int, label: String, at: SourceLocation) async -> Failure? {
        let within = c.within ?? defaultWithin
        let deadline = context.clock.instant() + within
        let stepOrigin = origin
        var arrivals = ArrivalTimes()
        var joined = ""
        var problems: [String] = []
        // The joined text is read only by `text` and `capture`: without them nothing is decoded.
        let keepsText = c.text != nil || c.capture != nil
        // Prepared once: each access to the step's optionals copies (and retains) a matcher.
        let until = c.until, join = c.join
        let untilTest = until.map(PreparedMatcher.init), matchTest = c.match.map(PreparedMatcher.init)
        let matchCaptures = c.match?.captures ?? []
        // Only event names to look at: the batch in hand is skimmed (same verdicts, no copies).
        let namesOnly = untilTest.map { $0.eventName != nil } ?? true && matchTest.map { $0.eventName != nil } ?? true
            && matchCaptures.isEmpty && join == nil && !keepsText
        do throws(RenderError) {
            reading: while true {
                if namesOnly {
                    if let hit = skimPending(match: matchTest?.eventName, until: untilTest?.eventName, arrivals: &arrivals) {
                        if let f = keepCaptures(untilTest?.matcher.captures ?? [], hit, label: label, at: at) { return f }
                        break reading
                    }
                    if context.isCancelled { return Failure(.interrupted, "\(label): interrupted", at: at) }
                }
                // The batch in hand first: no async call and no wait per message.
                let m: StreamMessage
                if let pending = nextPending() {
                    m = pending
                } else {
                    switch await next(until: deadline) {
                    case .message(let next):
                        m = next
                    case .ended(let end):
                        let clean = end == .finished || end == .closed(code: 1000)
                        if let until {
                            problems.append("\(describe(end)) before \(wanted(until)) arrived")
                        } else if !clean {
                            problems.append(describe(end))
                        }
                        break reading
                    case .timedOut:
                        if context.isCancelled { return Failure(.interrupted, "\(label): interrupted", at: at) }
                        let what = until.map { "\(wanted($0)) did not arrive" } ?? "the stream did not end"
                        problems.append("\(what) within \(DurationParser.format(within))")
                        break reading
                    }
                }
                if let untilTest, try matches(untilTest, m) {
                    if let f = keepCaptures(untilTest.matcher.captures, m, label: label, at: at) { return f }
                    break reading
                }
                if let matchTest, try !matches(matchTest, m) { continue }
                arrivals.append(m.arrival)
                if !matchCaptures.isEmpty, let f = keepCaptures(matchCaptures, m, label: label, at: at) { return f }
                if let join {
                    guard let doc = try? JSONValue.parse(Data(m.bytes)) else {
                        return Failure(.assertion, "\(label): collected message \(arrivals.count) is not JSON, so `join: \(join.text)` "
                                       + "cannot read it: \(Self.show(context.masker.mask(m.text)))", at: at)
                    }
                    joined += Self.joinText(ExpectationChecker.select(join, doc))
                } else if keepsText {
                    joined += m.text
                }
                if context.isCancelled { return Failure(.interrupted, "\(label): interrupted", at: at) }
            }
            let s = Self.stats(index, "collect", arrivals, origin: stepOrigin, start: start)
            stats.append(s)
            problems += try checks(c, s, joined)
        } catch {
            return Failure(.template, "\(label): cannot render an expected value: \(error.message)", at: at)
        }
        guard problems.isEmpty else {
            let summary = "collected \(Self.count(arrivals.count, "message"))"
            return Failure(.assertion, "\(label): " + problems.joined(separator: "; ") + "; \(summary); \(recentWithTimes)", at: at)
        }
        if let name = c.capture { keep(name, .string(joined)) }
        return nil
    }

    /// The checks on what was collected: `count`, `text`, `first`, `gap`.
    private func checks(_ c: CollectStep, _ s: StreamStepStats, _ joined: String) throws(RenderError) -> [String] {
        let evaluator = MatcherEvaluator(renderer: renderer)
        var problems: [String] = []
        if let count = c.count, let why = try evaluator.check(count, .number(Double(s.messages))) {
            problems.append("count: \(why)")
        }
        if let text = c.text, let why = try evaluator.check(text, .string(joined)) {
            problems.append("text: \(why.replacingAll("\n", with: "\\n"))")
        }
        if let limit = c.first {
            if let first = s.first {
                if first > limit {
                    problems.append("first: the first message took \(DurationParser.format(Self.rounded(first))), "
                                    + "over the limit of \(DurationParser.format(limit))")
                }
            } else {
                problems.append("first: no message was collected")
            }
        }
        for limit in c.gap?.limits ?? [] {
            guard let v = s.gap(limit.label) else {
                problems.append("gap \(limit.label): fewer than two messages were collected, so there is no gap to measure")
                break
            }
            if v > limit.max {
                problems.append("gap \(limit.label): the gaps between messages were too slow: expected at most "
                                + "\(DurationParser.format(limit.max)), measured \(DurationParser.format(Self.rounded(v)))")
            }
        }
        return problems
    }

    /// How one selected value joins: text as it is, a non-singular selection element by element,
    /// anything else as JSON; nothing selected adds nothing.
    static func joinText(_ v: JSONValue?) -> String {
        switch v {
        case nil, .null?: return ""
        case .string(let s)?: return s
        case .array(let items)?: return items.map { joinText($0) }.joined()
        case let other?: return other.jsonText
        }
    }
}
