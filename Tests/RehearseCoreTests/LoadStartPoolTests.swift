import DemoServer
import Foundation
import NIOCore
import Synchronization
import XCTest

@testable import RehearseModel
@testable import RehearseCompiler
@testable import RehearseResults
@testable import RehearseRuntime
@testable import RehearseTransportNIO

/// The open model's bounded connections (`StartingPool`, `load.connections`) against real
/// sockets: a burst opens at most the pool's size, waiting starts are served first in first out,
/// a waiting start's latency includes its wait, Ctrl-C fails the starts waiting, and the closed
/// model still opens one connection per slot.
final class LoadStartPoolTests: XCTestCase {
    /// A keep-alive server that answers every request after `delay`, recording each target in
    /// the order the requests arrived.
    final class Arrivals: Sendable {
        let targets = Mutex<[String]>([])
    }

    static func server(delay: Duration, arrivals: Arrivals? = nil) async throws -> RawHTTPServer {
        return try await RawHTTPServer.start { c in
            while let request = try await c.readRequest() {
                arrivals?.targets.withLock { $0.append(request.target) }
                if delay > .zero { try await Task.sleep(for: delay) }
                try await c.respond(200, headers: [("Content-Type", "application/json")], body: Array(#"{"ok":true}"#.utf8))
            }
        }
    }

    /// Starts every request through `pool` from this thread in order; returns the results in
    /// the order they ended.
    static func startAll(_ pool: any StartingPool, _ requests: [HTTPRequestData]) async -> [Result<HTTPResponseData, TransportError>] {
        let results = Mutex<[Result<HTTPResponseData, TransportError>]>([])
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let left = Atomic(requests.count)
            for r in requests {
                pool.start(r) { result in
                    results.withLock { $0.append(result) }
                    if left.subtract(1, ordering: .relaxed).newValue == 0 { c.resume() }
                }
            }
        }
        return results.withLock { $0 }
    }

    func testABurstOpensAtMostThePoolsConnectionsAndEveryStartIsAnswered() async throws {
        let server = try await Self.server(delay: .milliseconds(10))
        let fallback = AsyncHTTPTransport()
        let transport = NIOHTTP1LoadTransport(fallback: fallback)
        let pool = transport.makePool(connections: 4)
        let request = HTTPRequestData(method: "GET", url: server.baseURL + "/x")
        let results = await Self.startAll(pool, Array(repeating: request, count: 60))
        XCTAssertEqual(results.map { (try? $0.get().status) ?? -1 }, Array(repeating: 200, count: 60))
        XCTAssertEqual(server.stats.requests, 60)
        XCTAssertLessThanOrEqual(server.stats.connections, 4, "a burst of 60 starts shares at most 4 connections")
        let counts = try XCTUnwrap(pool as? LoadStartPool).counts
        XCTAssertLessThanOrEqual(counts.opened, 4)
        XCTAssertGreaterThanOrEqual(counts.waited, 56, "the starts beyond the pool waited for a connection")
        pool.close()
        await transport.shutdown()
        await fallback.shutdown()
        await server.stop()
    }

    func testStartsWaitingForAConnectionAreServedInTheOrderTheyStarted() async throws {
        let arrivals = Arrivals()
        let server = try await Self.server(delay: .milliseconds(2), arrivals: arrivals)
        let fallback = AsyncHTTPTransport()
        let transport = NIOHTTP1LoadTransport(fallback: fallback)
        let pool = transport.makePool(connections: 1)
        let requests = (1...12).map { HTTPRequestData(method: "GET", url: server.baseURL + "/\($0)") }
        let results = await Self.startAll(pool, requests)
        XCTAssertEqual(results.count, 12)
        XCTAssertEqual(arrivals.targets.withLock { $0 }, (1...12).map { "/\($0)" }, "first in, first out")
        XCTAssertEqual(server.stats.connections, 1)
        pool.close()
        await transport.shutdown()
        await fallback.shutdown()
        await server.stop()
    }

    func testCancelFailsTheStartsWaitingAndThoseInFlight() async throws {
        let server = try await DemoServer.start(DemoServerConfiguration(jwtSecret: "t"))
        let fallback = AsyncHTTPTransport()
        let transport = NIOHTTP1LoadTransport(fallback: fallback)
        let pool = transport.makePool(connections: 2)
        var slow = HTTPRequestData(method: "GET", url: server.baseURL + "/slow?ms=10000")
        slow.timeout = .seconds(30)
        let began = ContinuousClock.now
        async let results = Self.startAll(pool, Array(repeating: slow, count: 6))
        try await Task.sleep(for: .milliseconds(300))
        pool.cancel()
        let ended = await results
        XCTAssertEqual(ended.count, 6)
        for r in ended {
            guard case .failure(let e) = r else { return XCTFail("a request outlived the cancel") }
            XCTAssertEqual(e.kind, .closed, e.message)
        }
        XCTAssertLessThan(ContinuousClock.now - began, .seconds(5))
        guard case .failure(let after) = await Self.startAll(pool, [slow]).first else { return XCTFail("a start after cancel was sent") }
        XCTAssertEqual(after.kind, .closed)
        await transport.shutdown()
        await fallback.shutdown()
        await server.stop()
    }

    /// A start that waited in line past its timeout fails as a timeout and is never sent: two
    /// starts with a 300 ms timeout wait behind one the server answers after 600 ms.
    func testAStartThatWaitedPastItsTimeoutIsNotSent() async throws {
        let server = try await Self.server(delay: .milliseconds(600))
        let fallback = AsyncHTTPTransport()
        let transport = NIOHTTP1LoadTransport(fallback: fallback)
        let pool = transport.makePool(connections: 1)
        var first = HTTPRequestData(method: "GET", url: server.baseURL + "/first")
        first.timeout = .seconds(5)
        var behind = HTTPRequestData(method: "GET", url: server.baseURL + "/behind")
        behind.timeout = .milliseconds(300)
        let results = await Self.startAll(pool, [first, behind, behind])
        XCTAssertEqual(results.count, 3)
        XCTAssertEqual(results.compactMap { try? $0.get().status }, [200], "the first was answered")
        let errors = results.compactMap { r -> TransportError? in if case .failure(let e) = r { e } else { nil } }
        XCTAssertEqual(errors.map(\.kind), [.timeout, .timeout], "\(errors.map(\.message))")
        XCTAssertEqual(server.stats.requests, 1, "only the first was sent; the two behind it timed out waiting")
        pool.close()
        await transport.shutdown()
        await fallback.shutdown()
        await server.stop()
    }

    // MARK: load cases

    func runCase(_ caseYAML: String, baseURL: String) async throws -> CaseResult {
        let graph = try EngineFixtures.graph(["p": "cases:\n" + caseYAML])
        var options = RunOptions()
        options.cliVars = ["base_url": baseURL]
        let main = AsyncHTTPTransport()
        let lean = NIOHTTP1LoadTransport(fallback: main)
        let context = try RunContext(graph: graph, options: options, transport: main, clock: SystemRunClock(), loadTransport: lean)
        let report = await Runner.run(context)
        await lean.shutdown()
        await main.shutdown()
        return try XCTUnwrap(report.results.first)
    }

    func testTheOpenModelKeepsToItsConnectionsAndTheClosedModelOpensOnePerSlot() async throws {
        let server = try await Self.server(delay: .milliseconds(5))
        let open = try await runCase("""
          - id: open
            request: GET {{ base_url }}/o
            load: {rate: 300/s, requests: 150, connections: 3}
            expect: {status: 200}
        """, baseURL: server.baseURL)
        XCTAssertEqual(open.outcome, .passed, "\(open.failures.map(\.message))")
        XCTAssertEqual(open.load?.requests, 150)
        XCTAssertEqual(open.load?.detail.dropped, 0)
        XCTAssertLessThanOrEqual(server.stats.connections, 3, "at most `connections` opened")

        let before = server.stats.connections
        let closed = try await runCase("""
          - id: closed
            request: GET {{ base_url }}/c
            load: {requests: 400, concurrency: 8}
            expect: {status: 200}
        """, baseURL: server.baseURL)
        XCTAssertEqual(closed.outcome, .passed, "\(closed.failures.map(\.message))")
        XCTAssertEqual(closed.load?.requests, 400)
        XCTAssertEqual(server.stats.connections - before, 8, "the closed model: one connection per slot of `concurrency`")
        await server.stop()
    }

    /// Ctrl-C in an open-model case whose starts wait for its one connection: the case ends at
    /// once, interrupted, the waiting starts failed rather than sent.
    func testInterruptEndsAnOpenModelCaseWithStartsWaiting() async throws {
        let server = try await DemoServer.start(DemoServerConfiguration(jwtSecret: "t"))
        let graph = try EngineFixtures.graph(["p": """
        cases:
          - id: queued
            timeout: 30s
            request: GET {{ base_url }}/slow?ms=20000
            load: {rate: 50/s, duration: 5s, connections: 1}
            expect: {status: 200}
        """])
        var options = RunOptions()
        options.cliVars = ["base_url": server.baseURL]
        let main = AsyncHTTPTransport()
        let lean = NIOHTTP1LoadTransport(fallback: main)
        let context = try RunContext(graph: graph, options: options, transport: main, clock: SystemRunClock(), loadTransport: lean)
        let began = ContinuousClock.now
        let run = Task { await Runner.run(context) }
        try await Task.sleep(for: .milliseconds(500))
        context.cancel()
        let report = await run.value
        XCTAssertLessThan(ContinuousClock.now - began, .seconds(5))
        let r = try XCTUnwrap(report.results.first)
        XCTAssertEqual(r.outcome, .errored)
        XCTAssertEqual(r.failures.first?.kind, .interrupted, "\(r.failures)")
        await lean.shutdown()
        await main.shutdown()
        await server.stop()
    }

    /// Ten requests due 20 ms apart on one connection to a server that takes 100 ms: each waits
    /// for the one before, and its latency (from when it was due) includes that wait.
    func testAStartsLatencyIncludesItsWaitForAConnection() async throws {
        let server = try await DemoServer.start(DemoServerConfiguration(jwtSecret: "t"))
        func run(_ extra: String) async throws -> LoadStats {
            let r = try await runCase("""
              - id: queued
                request: GET {{ base_url }}/slow?ms=100
                load: {rate: 50/s, requests: 10\(extra)}
                expect: {status: 200}
            """, baseURL: server.baseURL)
            XCTAssertEqual(r.outcome, .passed, "\(r.failures.map(\.message))")
            return try XCTUnwrap(r.load)
        }
        let queued = try await run(", connections: 1")
        XCTAssertEqual(queued.requests, 10)
        // The last is due at 180 ms and sent after nine answers (900 ms): about 820 ms.
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(queued.percentile("max")), .milliseconds(700))
        let free = try await run("")
        XCTAssertLessThan(try XCTUnwrap(free.percentile("max")), .milliseconds(600),
                          "with a connection per request in flight nothing waits")
        await server.stop()
    }
}
