import DemoServer
import Foundation
import XCTest

@testable import RehearseModel
@testable import RehearseCompiler
@testable import RehearseResults
@testable import RehearseRuntime
@testable import RehearseTransportNIO
@testable import RehearseReport

/// A transport whose answers take `delay` (FakeTransport answers at once).
final class DelayedTransport: HTTPTransport, @unchecked Sendable {
    let delay: Duration
    init(delay: Duration) { self.delay = delay }
    func send(_ request: HTTPRequestData) async throws(TransportError) -> HTTPResponseData {
        do { try await Task.sleep(for: delay) } catch { throw TransportError(.cancelled, "cancelled") }
        return FakeTransport.json(200, "{}")
    }
    func shutdown() async {}
}

/// The open model end to end: the engine with a real clock, then the demo server that stalls.
final class LoadOpenModelTests: XCTestCase {
    func runCase(_ caseYAML: String, transport: any HTTPTransport, loadTransport: (any HTTPTransport)? = nil) async throws -> CaseResult {
        let graph = try EngineFixtures.graph(["p": "cases:\n" + caseYAML])
        var options = RunOptions()
        options.seed = 1
        let context = try RunContext(graph: graph, options: options, transport: transport, clock: SystemRunClock(),
                                     loadTransport: loadTransport)
        let report = await Runner.run(context)
        await loadTransport?.shutdown()
        await transport.shutdown()
        return try XCTUnwrap(report.results.first)
    }

    func testErrorBudgetIsAShareOfTheRequests() async throws {
        let every10th = FakeTransport { _, seen throws(TransportError) in
            seen % 10 == 0 ? FakeTransport.json(503, "{}") : FakeTransport.json(200, "{}")
        }
        let tolerant = try await runCase("""
          - id: c
            request: GET http://api.test/x
            load: {rate: 200/s, requests: 50}
            expect: {status: 200, errors: {max: 10%}}
        """, transport: every10th)
        XCTAssertEqual(tolerant.outcome, .passed, "\(tolerant.failures)")
        XCTAssertEqual(tolerant.load?.requests, 50)
        XCTAssertEqual(tolerant.load?.failures, 5)
        XCTAssertEqual(tolerant.load?.detail.model, .open)
        XCTAssertEqual(tolerant.load?.detail.errorsByCause.map(\.cause), ["status 503"])
        XCTAssertEqual(tolerant.load?.detail.errorsByCause.first?.count, 5)

        let strict = try await runCase("""
          - id: c
            request: GET http://api.test/x
            load: {rate: 200/s, requests: 50}
            expect: {status: 200, errors: {max: 4%}}
        """, transport: FakeTransport { _, seen throws(TransportError) in
            seen % 10 == 0 ? FakeTransport.json(503, "{}") : FakeTransport.json(200, "{}")
        })
        XCTAssertEqual(strict.outcome, .failed)
        XCTAssertEqual(strict.failures.map(\.message).first?.hasPrefix("5 of 50 requests failed (at most 4% allowed); first: status: expected 200, got 503"), true,
                       "\(strict.failures.map(\.message))")
    }

    func testStartsOverMaxInFlightAreDroppedAndCanFailTheCase() async throws {
        let r = try await runCase("""
          - id: c
            request: GET http://api.test/x
            load: {rate: 100/s, duration: 500ms, max_in_flight: 3}
            expect: {status: 200, dropped: {max: 0}}
        """, transport: DelayedTransport(delay: .milliseconds(300)))
        let load = try XCTUnwrap(r.load)
        XCTAssertEqual(load.requests + load.detail.dropped, 50, "every start is sent or dropped")
        XCTAssertGreaterThanOrEqual(load.detail.dropped, 30, "about 3 in each 300 ms are sent")
        XCTAssertEqual(r.outcome, .failed)
        XCTAssertTrue(r.failures.contains { $0.message.hasPrefix("dropped: expected at most 0, \(load.detail.dropped) starts were dropped") },
                      "\(r.failures.map(\.message))")
        XCTAssertEqual(load.detail.timeline.reduce(0) { $0 + $1.dropped }, load.detail.dropped)
        // Latency runs from the scheduled start: at least the server's 300 ms.
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(load.percentile("p50")), .milliseconds(300))
    }

    /// The feature: a server that holds every request for 1 s during a 1-second window. The open
    /// model keeps starting 200 requests a second into the stall and its p99 shows it; a closed
    /// loop sends only `concurrency` requests into the window and its p99 stays fast.
    /// (The 10 s at 200/s, scaled to 3 s: a third of the starts still fall in the window.)
    func testOpenModelShowsAStallThatTheClosedModelHides() async throws {
        let server = try await DemoServer.start(DemoServerConfiguration(jwtSecret: "load-test"))
        let arm = AsyncHTTPTransport()
        func stall(_ query: String) async throws {
            let r = try await arm.send(HTTPRequestData(method: "POST", url: server.baseURL + "/stall?" + query))
            XCTAssertEqual(r.status, 200)
        }
        func plan(_ load: String) -> String {
            """
              - id: stalled
                request: GET \(server.baseURL)/stallable
                load: \(load)
                expect: {status: 200}
            """
        }

        try await stall("in_ms=1000&for_ms=1000&hold_ms=1000")
        // Through the lean client real runs use for load cases.
        func lean() -> (AsyncHTTPTransport, NIOHTTP1LoadTransport) {
            let main = AsyncHTTPTransport()
            return (main, NIOHTTP1LoadTransport(fallback: main))
        }
        let (openMain, openLean) = lean()
        let open = try await runCase(plan("{rate: 200/s, duration: 3s}"), transport: openMain, loadTransport: openLean)
        try await stall("in_ms=0&for_ms=1000&hold_ms=1000")
        let (closedMain, closedLean) = lean()
        let closed = try await runCase(plan("{requests: 1000, concurrency: 2}"), transport: closedMain, loadTransport: closedLean)
        await arm.shutdown()
        await server.stop()

        let o = try XCTUnwrap(open.load), c = try XCTUnwrap(closed.load)
        XCTAssertEqual(open.outcome, .passed, "\(open.failures.map(\.message))")
        XCTAssertEqual(o.requests + o.detail.dropped, 600)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(o.percentile("p99")), .milliseconds(500), "the open model's p99 shows the stall")
        XCTAssertLessThan(try XCTUnwrap(o.percentile("p50")), .milliseconds(500), "most requests were fast: the stall is the tail")
        XCTAssertTrue(o.detail.timeline.contains { ($0.p50 ?? .zero) >= .milliseconds(500) },
                      "the second scheduled into the stall is slow throughout: \(o.detail.timeline)")

        XCTAssertEqual(closed.outcome, .passed)
        XCTAssertEqual(c.requests, 1000)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(c.percentile("max")), .milliseconds(900), "the closed loop did hit the stall…")
        XCTAssertLessThan(try XCTUnwrap(c.percentile("p99")), .milliseconds(500), "…but its p99 does not show it")
    }

    func testConsoleLineAndJSONCarryTheOpenModelsFigures() throws {
        var stats = LoadStats(requests: 12_000, failures: 0, percentiles: [
            ("p50", .microseconds(3_100)), ("p99", .milliseconds(18)), ("p99.9", .microseconds(41_200)), ("max", .milliseconds(90)),
        ])
        stats.detail.model = .open
        stats.detail.achievedRate = 499.8
        stats.detail.targetRate = 500
        stats.detail.errorsByCause = [("timeout", 2)]
        stats.detail.timeline = [LoadSecond(second: 0, requests: 500, errors: 0, dropped: 0, p50: .milliseconds(3), p99: .milliseconds(17),
                                            max: .milliseconds(20)),
                                 LoadSecond(second: 1, requests: 499, errors: 2, dropped: 1, p50: .milliseconds(900), p99: .seconds(1),
                                            max: .seconds(1))]
        XCTAssertEqual(stats.summaryLine, "12,000 req · 499.8/s · p50 3.1ms · p99 18ms · p99.9 41ms · 0 dropped")

        var r = CaseResult(planID: "p", caseID: "c", name: nil, priority: .normal, tags: [], outcome: .passed)
        r.load = stats
        let report = RunReport(results: [r])
        let json = JSONReport.document(report, masker: SecretMasker()).prettyText()
        for field in ["\"model\"", "\"rate_per_s\"", "\"dropped\"", "\"over_time\"", "\"p99.9\"", "\"timeout\"", "\"target_rate_per_s\""] {
            XCTAssertTrue(json.contains(field), field)
        }
        let back = try JSONReport.decode(json)
        let l = try XCTUnwrap(back.results.first?.load)
        XCTAssertEqual(l.detail.timeline, stats.detail.timeline)
        XCTAssertEqual(l.detail.achievedRate, 499.8)
        XCTAssertEqual(l.detail.errorsByCause.first?.cause, "timeout")
        XCTAssertEqual(l.percentile("p99.9"), .microseconds(41_200))

        let html = HTMLReport.render(report)
        XCTAssertTrue(html.contains("<svg class=\"latency\""))
        XCTAssertEqual(html.components(separatedBy: "<polyline").count - 1, 3, "p50, p99 and max")
        XCTAssertTrue(html.contains("1s: 2 failed, 1 dropped"))
    }
}
