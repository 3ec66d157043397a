import DemoServer
import Foundation
import Synchronization
import XCTest

@testable import RehearseModel
@testable import RehearseCompiler
@testable import RehearseResults
@testable import RehearseRuntime
@testable import RehearseTransportNIO

/// `start`, the callback form of the load client that load cases use, against the demo server:
/// a chain of requests started from each other's callbacks stays on one connection, failures are
/// sorted as `send` sorts them, `cancelStarted` ends requests in flight, and load cases on it keep
/// their figures, failure causes and interruption.
final class NIOHTTP1LoadTransportStartTests: XCTestCase {
    static func start(_ t: NIOHTTP1LoadTransport, _ r: HTTPRequestData) async -> Result<HTTPResponseData, TransportError> {
        await withCheckedContinuation { c in t.start(r) { c.resume(returning: $0) } }
    }

    /// Starts `count` requests one after another, each from the callback of the one before.
    final class Chain: Sendable {
        let transport: NIOHTTP1LoadTransport
        let request: HTTPRequestData
        let left: Atomic<Int>
        let statuses = Mutex<[Int]>([])
        let finished: @Sendable () -> Void

        init(_ t: NIOHTTP1LoadTransport, _ r: HTTPRequestData, count: Int, finished: @escaping @Sendable () -> Void) {
            transport = t
            request = r
            left = Atomic(count)
            self.finished = finished
        }

        func next() {
            guard left.subtract(1, ordering: .relaxed).newValue >= 0 else { return finished() }
            transport.start(request) { [self] result in
                statuses.withLock { $0.append((try? result.get().status) ?? -1) }
                next()
            }
        }
    }

    func testRequestsStartedFromCallbacksStayOnOneConnection() async throws {
        let server = try await DemoServer.start(DemoServerConfiguration(jwtSecret: "t"))
        let fallback = AsyncHTTPTransport()
        let transport = NIOHTTP1LoadTransport(fallback: fallback)
        var chain: Chain?
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            chain = Chain(transport, HTTPRequestData(method: "GET", url: server.baseURL + "/health"), count: 300) { c.resume() }
            chain?.next()
        }
        XCTAssertEqual(chain?.statuses.withLock { $0 }, Array(repeating: 200, count: 300))
        XCTAssertEqual(transport.startedConnections.withLock { $0.count }, 1,
                       "one connection opened: each request took the one its predecessor's callback freed")
        let echoed = try await Self.start(transport, HTTPRequestData(method: "POST", url: server.baseURL + "/echo/p?q=1",
                                                                headers: [("X-Trace", "abc")], body: Array("hi".utf8))).get()
        let doc = try JSONValue.parse(echoed.body)
        XCTAssertEqual(doc["method"], .string("POST"))
        XCTAssertEqual(doc["path"], .string("/echo/p"))
        XCTAssertEqual(doc["headers"]?["x-trace"], .string("abc"), "a different request is prepared anew")
        await transport.shutdown()
        await fallback.shutdown()
        await server.stop()
    }

    func testStartedFailuresAreSortedLikeSend() async throws {
        let server = try await DemoServer.start(DemoServerConfiguration(jwtSecret: "t"))
        let fallback = AsyncHTTPTransport()
        let transport = NIOHTTP1LoadTransport(fallback: fallback)
        var slow = HTTPRequestData(method: "GET", url: server.baseURL + "/slow?ms=2000")
        slow.timeout = .milliseconds(200)
        guard case .failure(let timedOut) = await Self.start(transport, slow) else { return XCTFail("no timeout") }
        XCTAssertEqual(timedOut.kind, .timeout)
        XCTAssertEqual(timedOut.message, "no response within 200ms (127.0.0.1:\(server.port))")
        guard case .failure(let refused) = await Self.start(transport, HTTPRequestData(method: "GET", url: "http://127.0.0.1:1/health")) else {
            return XCTFail("no connect error")
        }
        XCTAssertEqual(refused.kind, .connect)
        guard case .failure(let invalid) = await Self.start(transport, HTTPRequestData(method: "GE T", url: server.baseURL + "/health")) else {
            return XCTFail("an invalid method was sent")
        }
        XCTAssertEqual(invalid.kind, .invalidRequest)
        let after = try await Self.start(transport, HTTPRequestData(method: "GET", url: server.baseURL + "/status/503")).get()
        XCTAssertEqual(after.status, 503)
        await transport.shutdown()
        await fallback.shutdown()
        await server.stop()
    }

    func testCancelStartedEndsRequestsInFlight() async throws {
        let server = try await DemoServer.start(DemoServerConfiguration(jwtSecret: "t"))
        let fallback = AsyncHTTPTransport()
        let transport = NIOHTTP1LoadTransport(fallback: fallback)
        var slow = HTTPRequestData(method: "GET", url: server.baseURL + "/slow?ms=10000")
        slow.timeout = .seconds(20)
        let began = ContinuousClock.now
        async let result = Self.start(transport, slow)
        try await Task.sleep(for: .milliseconds(300))
        transport.cancelStarted()
        guard case .failure(let error) = await result else { return XCTFail("the slow request was not ended") }
        XCTAssertEqual(error.kind, .closed, error.message)
        XCTAssertLessThan(ContinuousClock.now - began, .seconds(5))
        await transport.shutdown()
        await fallback.shutdown()
        await server.stop()
    }

    // MARK: load cases on the started path

    func runCase(_ caseYAML: String, server: DemoServer, cancelAfter: Duration? = nil) async throws -> CaseResult {
        let graph = try EngineFixtures.graph(["p": "cases:\n" + caseYAML])
        var options = RunOptions()
        options.cliVars = ["base_url": server.baseURL]
        let main = AsyncHTTPTransport()
        let lean = NIOHTTP1LoadTransport(fallback: main)
        let context = try RunContext(graph: graph, options: options, transport: main, clock: SystemRunClock(), loadTransport: lean)
        let run = Task { await Runner.run(context) }
        if let cancelAfter {
            try await Task.sleep(for: cancelAfter)
            context.cancel()
        }
        let report = await run.value
        await lean.shutdown()
        await main.shutdown()
        return try XCTUnwrap(report.results.first)
    }

    func testClosedModelCountsEveryResponseAndItsCause() async throws {
        let server = try await DemoServer.start(DemoServerConfiguration(jwtSecret: "t"))
        let ok = try await runCase("""
          - id: ok
            request: GET {{ base_url }}/health
            load: {requests: 500, concurrency: 8}
            expect: {status: 200}
        """, server: server)
        XCTAssertEqual(ok.outcome, .passed, "\(ok.failures)")
        XCTAssertEqual(ok.load?.requests, 500)
        XCTAssertEqual(ok.load?.failures, 0)
        XCTAssertNotNil(ok.load?.percentile("p99"))

        let wrong = try await runCase("""
          - id: wrong
            request: GET {{ base_url }}/status/503
            load: {requests: 40, concurrency: 4}
            expect: {status: 200}
        """, server: server)
        XCTAssertEqual(wrong.outcome, .failed)
        XCTAssertEqual(wrong.load?.failures, 40)
        XCTAssertEqual(wrong.load?.detail.errorsByCause.map(\.cause), ["status 503"])
        XCTAssertTrue(wrong.failures.first?.message.hasPrefix("40 of 40 responses failed; first: status: expected 200, got 503") ?? false,
                      "\(wrong.failures)")
        XCTAssertEqual(wrong.exchange?.status, 503, "the first failing response is kept for the report")

        let json = try await runCase("""
          - id: body
            request: GET {{ base_url }}/health
            load: {requests: 20, concurrency: 2}
            expect: {status: 200, json: {$.status: nope}}
        """, server: server)
        XCTAssertEqual(json.outcome, .failed, "a JSON expectation is checked on every response")
        XCTAssertEqual(json.load?.failures, 20)
        XCTAssertEqual(json.load?.detail.errorsByCause.map(\.cause), ["assertion"])
        await server.stop()
    }

    func testInterruptEndsBothModelsWithoutWaitingForSlowResponses() async throws {
        let server = try await DemoServer.start(DemoServerConfiguration(jwtSecret: "t"))
        for load in ["{requests: 100, concurrency: 4}", "{rate: 50/s, duration: 5s}"] {
            let began = ContinuousClock.now
            let r = try await runCase("""
              - id: slow
                timeout: 30s
                request: GET {{ base_url }}/slow?ms=20000
                load: \(load)
                expect: {status: 200}
            """, server: server, cancelAfter: .milliseconds(500))
            XCTAssertLessThan(ContinuousClock.now - began, .seconds(5), load)
            XCTAssertEqual(r.outcome, .errored, load)
            XCTAssertEqual(r.failures.first?.kind, .interrupted, "\(load): \(r.failures)")
        }
        await server.stop()
    }
}
