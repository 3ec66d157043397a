import Foundation
import Synchronization
import XCTest

@testable import Rehearse
@testable import RehearseModel
@testable import RehearseDiagnostics
@testable import RehearseParser
@testable import RehearseCompiler
@testable import RehearseResults
@testable import RehearseRuntime
@testable import RehearseTransportNIO
@testable import RehearseReport

/// A transport whose `/hang` requests wait until their task is cancelled, as a real request to a
/// stalled server does; everything else answers 200 at once.
final class HangingTransport: HTTPTransport {
    private let waiting = Atomic<Int>(0)
    var hanging: Int { waiting.load(ordering: .relaxed) }

    func send(_ request: HTTPRequestData) async throws(TransportError) -> HTTPResponseData {
        guard request.url.hasSuffix("/hang") else { return FakeTransport.json(200, "{}") }
        waiting.add(1, ordering: .relaxed)
        defer { waiting.subtract(1, ordering: .relaxed) }
        do {
            // Bounded, so a run that never cancels fails the test instead of hanging it.
            try await Task.sleep(for: .seconds(20))
        } catch {
            throw TransportError(.cancelled, "request cancelled (api.test:80)")
        }
        return FakeTransport.json(200, "{}")
    }

    func shutdown() async {}
}

final class InterruptTests: XCTestCase {
    static let plan = """
    auth: none
    cases:
      - {id: fast, request: "GET {{ base_url }}/fast", expect: {status: 200}}
      - {id: hang1, request: "GET {{ base_url }}/hang", expect: {status: 200}}
      - {id: hang2, xfail: BUG-9, request: "GET {{ base_url }}/hang", expect: {status: 200}}
      - {id: hang3, request: "GET {{ base_url }}/hang", expect: {status: 200}}
      - {id: later, request: "GET {{ base_url }}/fast", expect: {status: 200}}
      - {id: after-hang, needs: [hang1], request: "GET {{ base_url }}/fast", expect: {status: 200}}
    """

    /// Polls `condition` for up to five seconds.
    func waitUntil(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while !condition() {
            guard ContinuousClock.now < deadline else { return XCTFail("condition never held") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    func testInterruptCancelsInFlightCasesAndSkipsTheRest() async throws {
        let graph = try EngineFixtures.graph(["p": Self.plan])
        var options = RunOptions()
        options.seed = 1
        options.jobs = 3
        let transport = HangingTransport()
        let context = try RunContext(graph: graph, options: options, transport: transport, clock: FakeClock())
        let run = Task { await Runner.run(context) }
        // `fast` finished and freed a slot: three requests hang, two cases wait.
        try await waitUntil { transport.hanging == 3 }
        let interrupted = ContinuousClock.now
        context.cancel()
        let report = await run.value
        XCTAssertLessThan(ContinuousClock.now - interrupted, .seconds(2), "in-flight requests are cancelled, not waited for")

        XCTAssertEqual(report.outcome("fast"), .passed)
        for id in ["hang1", "hang2", "hang3"] {
            XCTAssertEqual(report.outcome(id), .errored, id)
            XCTAssertEqual(report.result(id)?.failures.map(\.kind), [.interrupted], id)
            XCTAssertEqual(report.result(id)?.attempts, 1)
        }
        XCTAssertNil(report.result("hang2")?.reason, "an interrupted xfail case is not an expected failure")
        XCTAssertEqual(report.outcome("later"), .skipped)
        XCTAssertEqual(report.result("later")?.reason, "interrupted")
        XCTAssertEqual(report.result("after-hang")?.reason, "interrupted", "not the dependency's fault")
        XCTAssertEqual(report.results.count, 6, "every case is accounted for")
        XCTAssertTrue(report.interrupted)
        XCTAssertEqual(report.exitCode, 130)

        // Every report is still complete for what ran.
        let md = MarkdownReport.render(report)
        XCTAssertTrue(md.hasPrefix("## ⚠️ Rehearse: interrupted after 1 of 6 cases, 0 failed\n"), md)
        XCTAssertTrue(md.contains("the run was interrupted (5 cases not finished)"), md)
        let json = try JSONReport.decode(ReportWriter.render(.json, report, masker: context.masker))
        XCTAssertTrue(json.interrupted)
        XCTAssertEqual(json.results.count, 6)
    }

    func testAnInterruptedLoginSkipsItsCasesAsInterrupted() async throws {
        let graph = try EngineFixtures.graph(["p": """
        auth: session
        cases:
          - {id: a, request: "GET {{ base_url }}/fast", expect: {status: 200}}
        """], suite: EngineFixtures.suite.replacingOccurrences(of: "/login", with: "/hang"))
        let transport = HangingTransport()
        let context = try RunContext(graph: graph, options: RunOptions(), transport: transport, clock: FakeClock())
        let run = Task { await Runner.run(context) }
        try await waitUntil { transport.hanging == 1 }
        context.cancel()
        let report = await run.value
        XCTAssertEqual(report.logins.map(\.failure), ["interrupted"])
        XCTAssertEqual(report.result("a")?.reason, "interrupted")
        XCTAssertEqual(NextSteps.runHints(report), ["the run was interrupted (1 case not finished): run again for a complete report"],
                       "an interrupted login is not a credentials problem")
    }

    func testAnUninterruptedRunEndsWithoutWaitingForTheWatcher() async throws {
        let graph = try EngineFixtures.graph(["p": """
        auth: none
        cases:
          - {id: a, request: "GET {{ base_url }}/fast", expect: {status: 200}}
        """])
        let started = ContinuousClock.now
        let (report, context) = try await EngineFixtures.run(graph, transport: FakeTransport { _, _ in FakeTransport.json(200, "{}") })
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(2))
        XCTAssertFalse(report.interrupted)
        XCTAssertEqual(report.exitCode, 0)
        context.cancel()  // after the run: harmless
        let empty = try EngineFixtures.graph([:])
        let (nothing, _) = try await EngineFixtures.run(empty, transport: FakeTransport { _, _ in FakeTransport.json(200, "{}") })
        XCTAssertEqual(nothing.results.count, 0)
    }

    func testCancelBeforeTheRunSendsNothing() async throws {
        let graph = try EngineFixtures.graph(["p": Self.plan])
        let transport = FakeTransport { _, _ in FakeTransport.json(200, "{}") }
        let context = try RunContext(graph: graph, options: RunOptions(), transport: transport, clock: FakeClock())
        context.cancel()
        let report = await Runner.run(context)
        XCTAssertEqual(transport.requests.count, 0)
        XCTAssertEqual(Set(report.results.map(\.outcome)), [.skipped])
        XCTAssertEqual(report.exitCode, 130)
    }

    /// The real transport against a server that never answers: Ctrl-C must not wait for the timeout.
    func testInterruptCancelsARealStalledRequest() async throws {
        try await withRawServer({ conn in
            _ = try await conn.readRequest()
            try await Task.sleep(for: .seconds(10))  // bounded, so a broken cancel fails instead of hanging
        }) { server, transport in
            let graph = try EngineFixtures.graph(["p": """
            auth: none
            cases:
              - {id: stalled, timeout: 30s, request: "GET {{ base_url }}/stall", expect: {status: 200}}
            """])
            var options = RunOptions()
            options.cliVars = ["base_url": server.baseURL]
            let context = try RunContext(graph: graph, options: options, transport: transport)
            let run = Task { await Runner.run(context) }
            try await waitUntil { server.stats.requests == 1 }
            let interrupted = ContinuousClock.now
            context.cancel()
            let report = await run.value
            XCTAssertLessThan(ContinuousClock.now - interrupted, .seconds(2))
            XCTAssertEqual(report.outcome("stalled"), .errored)
            XCTAssertEqual(report.result("stalled")?.failures.first?.kind, .interrupted)
            XCTAssertEqual(report.exitCode, 130)
        }
    }
}
