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

extension CaseExecutor {
    /// `load`: the same request many times. The closed model sends `requests`, `concurrency` at
    /// a time, latency measured from each request's own start; the open model (`rate`/`stages`,
    /// `CaseExecutor+OpenLoad.swift`) starts them on a schedule. Every response must meet
    /// `expect` (up to `errors`), and `latency` limits hold over all of them.
    func runLoad(_ request: HTTPRequestData, _ load: LoadSpec, _ checker: ExpectationChecker) async -> CaseResult {
        if let open = load.open { return await runOpenLoad(request, open, checker) }
        if let starting = context.loadTransport as? any StartingHTTPTransport { return await runClosedStarted(request, load, checker, starting) }
        let recorder = LoadRecorder()
        let transport = context.loadTransport
        let clock = context.clock
        let perResponse = perResponseExpectation
        let origin = clock.instant()
        let tickets = LoadTickets()
        let context = self.context, executor = self
        // `concurrency` workers, each sending the next request as soon as its last one returned:
        // no task per request.
        let cancelledRequests = await withTaskGroup(of: Int.self) { group -> Int in
            for _ in 0..<min(load.concurrency, load.requests) {
                group.addTask {
                    var cancelled = 0
                    while !context.isCancelled, tickets.take(below: load.requests) {
                        let second = recorder.beginNow(second: Int((clock.instant() - origin).components.seconds))
                        do throws(TransportError) {
                            let response = try await transport.send(request)
                            executor.judge(response, perResponse, checker, second: second, latency: response.duration, recorder: recorder)
                        } catch {
                            if error.kind == .cancelled { cancelled += 1 }
                            // The closed model's latency is that of responses: a failure has none.
                            recorder.finish(second: second, latency: nil, cause: LoadRecorder.cause(of: error), transport: true,
                                            failures: [Failure(.transport, error.message)])
                        }
                    }
                    return cancelled
                }
            }
            var total = 0
            for await n in group { total += n }
            return total
        }
        let summary = recorder.summary()
        let completed = summary.sent - cancelledRequests
        if context.isCancelled, completed < load.requests {
            return errored(.interrupted, "interrupted after \(completed) of \(load.requests) requests", attempts: completed)
        }
        var detail = LoadDetail()
        detail.model = .closed
        detail.elapsed = clock.instant() - origin
        return loadResult(request, summary, detail: detail, planned: load.requests)
    }

    /// The case's expectation for one response: without the limits that hold over all of them.
    var perResponseExpectation: Expectation {
        var e = testCase.expect
        e.latency = nil
        e.errors = nil
        e.dropped = nil
        return e
    }

    /// Checks one response and records it.
    func judge(_ response: HTTPResponseData, _ expectation: Expectation, _ checker: ExpectationChecker, second: Int,
               latency: Duration, recorder: LoadRecorder) {
        // The common case, a status that matches and nothing else to check, builds nothing.
        if expectation.checksStatusOnly, expectation.status?.matches(response.status) ?? true {
            recorder.finish(second: second, latency: latency, cause: nil)
            return
        }
        let observed = ObservedResponse(status: response.status, headers: response.headers, body: response.body,
                                        duration: response.duration, parseJSON: !expectation.json.isEmpty)
        let failures = checker.check(expectation, observed)
        if failures.isEmpty {
            recorder.finish(second: second, latency: latency, cause: nil)
        } else {
            recorder.finish(second: second, latency: latency,
                            cause: LoadRecorder.cause(of: failures, status: response.status, expected: expectation.status),
                            failures: failures, observed: observed)
        }
    }

    /// The case's result from what was recorded: figures, then the limits of `expect`.
    func loadResult(_ request: HTTPRequestData, _ s: LoadRecorder.Summary, detail: LoadDetail, planned: Int) -> CaseResult {
        var r = base(.passed)
        r.attempts = s.sent
        var stats = LoadStats(requests: s.sent, failures: s.failed, percentiles: [])
        var seen = Set<String>()
        let limits = testCase.expect.latency?.limits.map { (percentile: $0.percentile, label: $0.label) } ?? []
        let wanted = LoadStats.reportedPercentiles + limits
        for (pct, label) in wanted where seen.insert(label).inserted {
            if let v = s.latency.value(atPercentile: pct) { stats.percentiles.append((label, v)) }
        }
        var d = detail
        d.dropped = s.dropped
        d.errorsByCause = s.causes
        d.timeline = s.rows
        let seconds = d.elapsed.seconds
        if d.achievedRate == 0 { d.achievedRate = seconds > 0 ? Double(s.sent) / seconds : 0 }
        if d.model == .open {
            d.startLag = [(50.0, "p50"), (99.0, "p99"), (100.0, "max")].compactMap { p, l in
                s.lag.value(atPercentile: p).map { (label: l, value: $0) }
            }
        }
        stats.detail = d
        r.load = stats

        var failures: [Failure] = []
        let budget = testCase.expect.errors ?? .count(0)
        if !budget.allows(s.failed, of: s.sent) {
            let first = s.firstFailures.first?.message ?? "failed"
            let noun = d.model == .open ? "requests" : "responses"
            var message = "\(s.failed) of \(d.model == .open ? s.sent : planned) \(noun) failed"
            if let allowed = testCase.expect.errors { message += " (at most \(allowed) allowed)" }
            message += "; first: \(first)"
            let causes = s.causes.prefix(3).map { "\($0.cause) × \($0.count)" }
            if s.causes.count > 1 { message += " (by cause: \(causes.joined(separator: ", ")))" }
            failures.append(Failure(s.transportFailures == s.failed ? .transport : .assertion, message,
                                    at: s.firstFailures.first?.location ?? location(testCase.position)))
        }
        for limit in testCase.expect.latency?.limits ?? [] {
            if let v = s.latency.value(atPercentile: limit.percentile), v > limit.max {
                failures.append(Failure(.assertion, "latency \(limit.label): expected at most \(DurationParser.format(limit.max)), measured \(DurationParser.format(v))",
                                        at: location(testCase.expect.position)))
            }
        }
        if let maxDropped = testCase.expect.dropped, s.dropped > maxDropped {
            failures.append(Failure(.assertion, "dropped: expected at most \(maxDropped), \(s.dropped) starts were dropped at max_in_flight",
                                    at: location(testCase.expect.position)))
        }
        if !failures.isEmpty {
            r.outcome = s.transportFailures > 0 && s.transportFailures == s.sent ? .errored : .failed
            r.failures = failures.map { Failure($0.kind, context.masker.mask($0.message), at: $0.location) }
            r.exchange = exchange(request, s.firstObserved)
        }
        return r
    }
}

/// Hands out the closed model's request numbers to its workers.
final class LoadTickets: Sendable {
    private let next = Atomic<Int>(0)

    /// True while fewer than `limit` requests were handed out.
    func take(below limit: Int) -> Bool { next.add(1, ordering: .relaxed).oldValue < limit }
}
