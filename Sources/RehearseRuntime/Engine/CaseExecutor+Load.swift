import Foundation
import RehearseModel
import RehearseDiagnostics
import RehearseCompiler
import RehearseResults

extension CaseExecutor {
    /// `load`: the same request many times, `concurrency` at a time; every response must meet
    /// `expect`, and `latency` limits hold over all of them.
    func runLoad(_ request: HTTPRequestData, _ load: LoadSpec, _ checker: ExpectationChecker) async -> CaseResult {
        var latencies: [Duration] = []
        var failing = 0
        var firstFailures: [Failure] = []
        var transportErrors = 0
        var cancelledRequests = 0
        var lastObserved: ObservedResponse?
        let transport = context.transport
        await withTaskGroup(of: Result<HTTPResponseData, TransportError>.self) { group in
            var sent = 0
            func launch() {
                sent += 1
                group.addTask {
                    do throws(TransportError) { return .success(try await transport.send(request)) } catch { return .failure(error) }
                }
            }
            while sent < min(load.concurrency, load.requests) { launch() }
            while let outcome = await group.next() {
                switch outcome {
                case .success(let response):
                    latencies.append(response.duration)
                    let observed = ObservedResponse(status: response.status, headers: response.headers, body: response.body,
                                                    duration: response.duration, parseJSON: !testCase.expect.json.isEmpty)
                    var perResponse = testCase.expect
                    perResponse.latency = nil
                    let failures = checker.check(perResponse, observed)
                    if !failures.isEmpty {
                        failing += 1
                        if firstFailures.isEmpty { firstFailures = failures; lastObserved = observed }
                    }
                case .failure(let error):
                    if error.kind == .cancelled { cancelledRequests += 1 }
                    failing += 1
                    transportErrors += 1
                    if firstFailures.isEmpty { firstFailures = [Failure(.transport, error.message)] }
                }
                if sent < load.requests && !context.isCancelled { launch() }
            }
        }
        let completed = latencies.count + transportErrors - cancelledRequests
        if context.isCancelled, completed < load.requests {
            return errored(.interrupted, "interrupted after \(completed) of \(load.requests) requests", attempts: completed)
        }
        var r = base(.passed)
        r.attempts = load.requests
        latencies.sort()
        var stats = LoadStats(requests: load.requests, failures: failing, percentiles: [])
        let wanted = (testCase.expect.latency?.limits.map { ($0.percentile, $0.label) } ?? []) + [(50, "p50"), (95, "p95"), (100, "max")]
        var seen = Set<String>()
        for (pct, label) in wanted where seen.insert(label).inserted {
            if let v = Self.percentile(latencies, pct) { stats.percentiles.append((label, v)) }
        }
        r.load = stats
        var failures: [Failure] = []
        if failing > 0 {
            let first = firstFailures.first?.message ?? "failed"
            failures.append(Failure(transportErrors == failing ? .transport : .assertion,
                                    "\(failing) of \(load.requests) responses failed; first: \(first)",
                                    at: firstFailures.first?.location ?? location(testCase.position)))
        }
        for limit in testCase.expect.latency?.limits ?? [] {
            if let v = Self.percentile(latencies, limit.percentile), v > limit.max {
                failures.append(Failure(.assertion, "latency \(limit.label): expected at most \(DurationParser.format(limit.max)), measured \(DurationParser.format(v))",
                                        at: location(testCase.expect.position)))
            }
        }
        if !failures.isEmpty {
            r.outcome = transportErrors == load.requests ? .errored : .failed
            r.failures = failures.map { Failure($0.kind, context.masker.mask($0.message), at: $0.location) }
            r.exchange = exchange(request, lastObserved)
        }
        return r
    }

    /// Nearest-rank percentile of sorted values (100 = the maximum).
    static func percentile(_ sorted: [Duration], _ p: Double) -> Duration? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}
