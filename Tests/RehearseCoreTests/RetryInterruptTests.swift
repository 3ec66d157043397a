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

/// Where a test presses Ctrl-C: it is handed the run once the run exists.
final class Interrupter: Sendable {
    private let run = Mutex<RunContext?>(nil)

    func attach(_ context: RunContext) { run.withLock { $0 = context } }
    func interrupt() { run.withLock { $0 }?.cancel() }
}

/// A clock that never sleeps; its first wait is where the user presses Ctrl-C.
final class InterruptingClock: RunClock, @unchecked Sendable {
    let fake = FakeClock()
    let interrupter = Interrupter()

    func now() -> Date { fake.now() }
    func instant() -> ContinuousClock.Instant { fake.instant() }
    func sleep(for duration: Duration) async throws {
        try await fake.sleep(for: duration)
        interrupter.interrupt()
    }
    var sleeps: [Duration] { fake.sleeps }
}

/// A clock whose waits take real time, as the system clock's do, up to ten seconds: a wait an
/// interrupt does not end shows as a slow test, never a hung one.
final class BlockingClock: RunClock, @unchecked Sendable {
    private let waiting = Atomic<Int>(0)
    var sleeping: Int { waiting.load(ordering: .relaxed) }

    func now() -> Date { Date(timeIntervalSince1970: 1_800_000_000) }
    func instant() -> ContinuousClock.Instant { ContinuousClock.now }
    func sleep(for duration: Duration) async throws {
        waiting.add(1, ordering: .relaxed)
        defer { waiting.subtract(1, ordering: .relaxed) }
        try await Task.sleep(for: min(duration, .seconds(10)))
    }
}

/// An interrupt ends every retried exchange (HTTP case, WebSocket handshake, login) at once, as
/// interrupted: no further attempt, no further wait.
final class RetryInterruptTests: XCTestCase {
    static let refusedHandshake = WebSocketHandshake.refused(status: 503, headers: [("Retry-After", "30")], body: nil)

    /// Runs `plans` with `clock` interrupting the run at its first wait.
    func runInterruptedAtFirstWait(_ plans: [String: String], transport: FakeTransport,
                                   webSocket: FakeWebSocketTransport? = nil) async throws -> (RunReport, InterruptingClock) {
        let graph = try EngineFixtures.graph(plans)
        var options = RunOptions()
        options.seed = 42
        options.jobs = 1
        let clock = InterruptingClock()
        let context = try RunContext(graph: graph, options: options, transport: transport, webSocket: webSocket, clock: clock)
        clock.interrupter.attach(context)
        return (await Runner.run(context), clock)
    }

    func testAnInterruptWhileWaitingToRetryAnHTTPCaseEndsIt() async throws {
        let transport = FakeTransport { _, _ in FakeTransport.json(503, "{}", headers: [("Retry-After", "30")]) }
        let (report, clock) = try await runInterruptedAtFirstWait(["p": """
        auth: none
        cases:
          - {id: busy, request: "GET {{ base_url }}/busy", expect: {status: 200}}
        """], transport: transport)
        XCTAssertEqual(transport.requests.count, 1, "no attempt after the interrupt")
        XCTAssertEqual(clock.sleeps, [.seconds(30)])
        XCTAssertEqual(report.outcome("busy"), .errored)
        XCTAssertEqual(report.result("busy")?.failures.map(\.kind), [.interrupted])
        XCTAssertEqual(report.result("busy")?.failures.first?.message, "interrupted while retrying, after 1 attempt")
        XCTAssertEqual(report.result("busy")?.attempts, 1)
        XCTAssertTrue(report.interrupted)
    }

    func testAnInterruptWhileWaitingToRetryAHandshakeEndsIt() async throws {
        let webSocket = FakeWebSocketTransport { _, _ in Self.refusedHandshake }
        let (report, clock) = try await runInterruptedAtFirstWait(["p": """
        auth: none
        cases:
          - {id: busy, websocket: {url: "ws://api.test/busy"}, expect: {status: 101}}
        """], transport: FakeTransport { _, _ in FakeTransport.json(200, "{}") }, webSocket: webSocket)
        XCTAssertEqual(webSocket.connects.count, 1, "no handshake after the interrupt")
        XCTAssertEqual(clock.sleeps, [.seconds(30)])
        XCTAssertEqual(report.outcome("busy"), .errored)
        XCTAssertEqual(report.result("busy")?.failures.map(\.kind), [.interrupted])
        XCTAssertEqual(report.result("busy")?.attempts, 1)
    }

    func testAnInterruptWhileWaitingToRetryALoginEndsItAndItsCasesAreInterrupted() async throws {
        let transport = FakeTransport { _, _ throws(TransportError) in throw TransportError(.connect, "connection refused (api.test:80)") }
        let (report, clock) = try await runInterruptedAtFirstWait(["p": """
        auth: session
        cases:
          - {id: a, request: "GET {{ base_url }}/a", expect: {status: 200}}
        """], transport: transport)
        XCTAssertEqual(transport.requests.map(\.url), ["http://api.test/login"], "no attempt after the interrupt")
        XCTAssertEqual(clock.sleeps, [.milliseconds(100)])
        XCTAssertEqual(report.logins.map(\.failure), ["interrupted"])
        XCTAssertEqual(report.logins.map(\.attempts), [1])
        XCTAssertEqual(report.result("a")?.reason, "interrupted")
    }

    /// A real transport ends a handshake cut short by Ctrl-C with `.cancelled`, or with whatever
    /// failure the cut caused: either way the case was interrupted, not broken, and is not retried.
    func testAHandshakeThatFailsBecauseOfAnInterruptIsInterruptedAndNotRetried() async throws {
        for kind in [TransportError.Kind.cancelled, .timeout, .connect] {
            let graph = try EngineFixtures.graph(["p": """
            auth: none
            cases:
              - {id: chat, xfail: BUG-7, websocket: {url: "ws://api.test/chat"}, expect: {status: 101}}
            """])
            let interrupter = Interrupter()
            let webSocket = FakeWebSocketTransport { _, _ throws(TransportError) in
                interrupter.interrupt()
                throw TransportError(kind, "handshake cut short (api.test:80)")
            }
            let clock = FakeClock()
            let context = try RunContext(graph: graph, options: RunOptions(), transport: FakeTransport { _, _ in FakeTransport.json(200, "{}") },
                                         webSocket: webSocket, clock: clock)
            interrupter.attach(context)
            let report = await Runner.run(context)
            XCTAssertEqual(webSocket.connects.count, 1, "\(kind)")
            XCTAssertEqual(clock.sleeps, [], "\(kind): no wait for a retry that will not come")
            XCTAssertEqual(report.outcome("chat"), .errored, "\(kind): an interrupted xfail case is not an expected failure")
            XCTAssertEqual(report.result("chat")?.failures.map(\.kind), [.interrupted], "\(kind)")
            XCTAssertEqual(report.result("chat")?.failures.first?.message, "interrupted while waiting for the handshake answer", "\(kind)")
            XCTAssertEqual(report.result("chat")?.attempts, 1, "\(kind)")
            XCTAssertEqual(report.result("chat")?.exchange?.requestLine, "GET ws://api.test/chat (WebSocket upgrade)", "\(kind)")
            XCTAssertTrue(report.interrupted)
        }
    }

    /// The wait between attempts ends when the run is cancelled even where the task running the
    /// exchange is not cancelled with it (here a login run on its own, as the auth provider may).
    func testAnInterruptEndsALoginsWaitAtOnceWhateverTaskRunsIt() async throws {
        let suite = EngineFixtures.suite.replacingOccurrences(of: "initial: 100ms, max: 1s", with: "initial: 30s, max: 30s")
        let graph = try EngineFixtures.graph(["p": """
        auth: session
        cases:
          - {id: a, request: "GET {{ base_url }}/a", expect: {status: 200}}
        """], suite: suite)
        let transport = FakeTransport { _, _ throws(TransportError) in throw TransportError(.connect, "connection refused (api.test:80)") }
        let clock = BlockingClock()
        let context = try RunContext(graph: graph, options: RunOptions(), transport: transport, clock: clock)
        let login = Task { await LoginExecutor(context: context, profile: "session").run() }
        try await pollUntil { clock.sleeping == 1 }
        let interrupted = ContinuousClock.now
        context.cancel()
        let result = await login.value
        XCTAssertLessThan(ContinuousClock.now - interrupted, .seconds(2), "the wait ends with the interrupt")
        XCTAssertEqual(result.failure, "interrupted")
        XCTAssertEqual(result.attempts, 1)
        XCTAssertEqual(transport.requests.count, 1)
    }
}

/// Polls `condition` for up to five seconds.
func pollUntil(_ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(5)
    while !condition() {
        guard ContinuousClock.now < deadline else { return XCTFail("condition never held") }
        try await Task.sleep(for: .milliseconds(5))
    }
}
