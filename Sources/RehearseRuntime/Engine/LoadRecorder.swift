#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization
import RehearseModel
import RehearseDiagnostics
import RehearseCompiler
import RehearseResults

/// What a load case keeps while it runs, in memory that does not grow with the number of
/// requests: one latency histogram for the case, one for the open model's start lag, failure
/// counts by cause (at most `maxCauses`), and a small histogram for each second that still has
/// requests in flight. A second becomes a `LoadSecond` row once the scheduler has moved past it
/// (`seal`) and its last request has finished; its histogram is then dropped.
package final class LoadRecorder: Sendable {
    /// Distinct failure causes kept; later new ones count as `other`.
    static let maxCauses = 32

    struct Second {
        var histogram = LatencyHistogram(significantDigits: 2)
        var outstanding = 0
        var requests = 0
        var errors = 0
        var dropped = 0
    }

    struct State {
        var latency = LatencyHistogram()
        var lag = LatencyHistogram()
        var sent = 0
        var failed = 0
        var transportFailures = 0
        var dropped = 0
        var causes: [String: Int] = [:]
        var open: [Int: Second] = [:]
        var sealedBelow = 0
        var rows: [LoadSecond] = []
        var firstFailures: [Failure] = []
        var firstObserved: ObservedResponse?
    }

    private let state = Mutex(State())
    /// Requests sent and not yet answered (the open model's `max_in_flight` check).
    let inFlight = Atomic<Int>(0)

    /// A request of `second` is on its way.
    package init() {}

    package func begin(second: Int) {
        inFlight.add(1, ordering: .relaxed)
        state.withLock { $0.open[second, default: Second()].outstanding += 1 }
    }

    /// The open model: a request of `second` starts `lag` after it was due (one lock for both).
    func begin(second: Int, lag: Duration) {
        inFlight.add(1, ordering: .relaxed)
        state.withLock { s in
            s.open[second, default: Second()].outstanding += 1
            s.lag.record(lag < .zero ? .zero : lag)
        }
    }

    /// The closed model's workers: a request starts now, in `second` of the case. Seconds before
    /// it are sealed in the same step, and a worker whose clock reading is older than another's
    /// seal counts in the open second, so no row is closed twice. Returns the second it counts in.
    package func beginNow(second: Int) -> Int {
        inFlight.add(1, ordering: .relaxed)
        return state.withLock { s in
            let counted = max(second, s.sealedBelow)
            if counted > s.sealedBelow {
                s.sealedBelow = counted
                for (k, row) in s.open where k < counted && row.outstanding <= 0 { Self.close(k, in: &s) }
            }
            s.open[counted, default: Second()].outstanding += 1
            return counted
        }
    }

    /// A request of `second` finished after `latency` (nil: not counted in the percentiles);
    /// `cause` is nil when it passed.
    package func finish(second: Int, latency: Duration?, cause: String?, transport: Bool = false,
                failures: @autoclosure () -> [Failure] = [], observed: ObservedResponse? = nil) {
        state.withLock { s in
            s.sent += 1
            // The row is changed in place: a copy taken out of the dictionary made every
            // request copy the second's histogram (copy on write) — 5% of an open-model run.
            let closes = Self.update(&s.open, second) { row in
                row.outstanding -= 1
                row.requests += 1
                if let latency { row.histogram.record(latency) }
                if cause != nil { row.errors += 1 }
                return row.outstanding <= 0
            }
            if let latency { s.latency.record(latency) }
            if let cause {
                s.failed += 1
                if transport { s.transportFailures += 1 }
                let key = s.causes[cause] != nil || s.causes.count < Self.maxCauses ? cause : "other"
                s.causes[key, default: 0] += 1
                if s.firstFailures.isEmpty {
                    s.firstFailures = failures()
                    s.firstObserved = observed
                }
            }
            if closes && second < s.sealedBelow { Self.close(second, in: &s) }
        }
        inFlight.subtract(1, ordering: .relaxed)
    }

    /// A start of `second` skipped at `max_in_flight`.
    func drop(second: Int) {
        state.withLock { s in
            s.dropped += 1
            s.open[second, default: Second()].dropped += 1
        }
    }

    /// How late a request started against its schedule.
    func lag(_ d: Duration) { state.withLock { $0.lag.record(d < .zero ? .zero : d) } }

    /// No request of a second before `second` will start any more.
    package func seal(below second: Int) {
        state.withLock { s in
            guard second > s.sealedBelow else { return }
            s.sealedBelow = second
            for (k, row) in s.open where k < second && row.outstanding <= 0 { Self.close(k, in: &s) }
        }
    }

    private static func update<T>(_ open: inout [Int: Second], _ second: Int, _ body: (inout Second) -> T) -> T {
        body(&open[second, default: Second()])
    }

    private static func close(_ second: Int, in s: inout State) {
        guard let row = s.open.removeValue(forKey: second) else { return }
        let h = row.histogram
        s.rows.append(LoadSecond(second: second, requests: row.requests, errors: row.errors, dropped: row.dropped,
                                 p50: h.value(atPercentile: 50), p99: h.value(atPercentile: 99), max: h.value(atPercentile: 100)))
    }

    /// Seconds still open (for the memory test: it stays small however many requests pass).
    package var openSeconds: Int { state.withLock { $0.open.count } }

    package struct Summary {
        package var sent: Int
        package var failed: Int
        var transportFailures: Int
        var dropped: Int
        package var latency: LatencyHistogram
        var lag: LatencyHistogram
        var causes: [(cause: String, count: Int)]
        package var rows: [LoadSecond]
        var firstFailures: [Failure]
        var firstObserved: ObservedResponse?
    }

    /// Everything recorded; closes every second still open.
    package func summary() -> Summary {
        state.withLock { s in
            s.sealedBelow = .max
            for k in s.open.keys.sorted() { Self.close(k, in: &s) }
            return Summary(sent: s.sent, failed: s.failed, transportFailures: s.transportFailures, dropped: s.dropped,
                           latency: s.latency, lag: s.lag,
                           causes: s.causes.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                               .map { (cause: $0.key, count: $0.value) },
                           rows: s.rows.sorted { $0.second < $1.second },
                           firstFailures: s.firstFailures, firstObserved: s.firstObserved)
        }
    }

    /// The cause a failed response counts under: `status 503` when the status was wrong,
    /// `assertion` for any other unmet expectation.
    static func cause(of failures: [Failure], status: Int, expected: StatusSpec?) -> String {
        if let expected, !expected.matches(status) { return "status \(status)" }
        if expected == nil, status >= 400 { return "status \(status)" }
        return failures.first?.kind == .assertion ? "assertion" : (failures.first?.kind.rawValue ?? "assertion")
    }

    /// `timeout`, `connect`, `closed`…: a transport error's kind.
    static func cause(of error: TransportError) -> String {
        switch error.kind {
        case .bodyTooLarge: return "body_too_large"
        case .invalidRequest: return "invalid_request"
        default: return error.kind.rawValue
        }
    }
}
