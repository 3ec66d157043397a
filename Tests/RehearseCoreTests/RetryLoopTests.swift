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

/// The one retry loop, driven directly: what the HTTP, WebSocket and login paths (and the
/// exchanges to come) rely on. An "answer" here is just a status code.
final class RetryLoopTests: XCTestCase {
    func context(clock: any RunClock = FakeClock()) throws -> RunContext {
        var options = RunOptions()
        options.seed = 7
        return try RunContext(graph: EngineFixtures.graph([:]), options: options,
                              transport: FakeTransport { _, _ in FakeTransport.json(200, "{}") }, clock: clock)
    }

    func policy(attempts: Int, on: [RetryCondition] = [.connect, .timeout, .status(503)]) -> RetryPolicy {
        var p = RetryPolicy()
        p.attempts = attempts
        p.on = on
        p.backoff.initial = .milliseconds(100)
        p.backoff.max = .seconds(1)
        p.backoff.jitter = false
        return p
    }

    /// The attempt numbers the loop passed.
    final class Attempts: Sendable {
        private let seen = Mutex<[Int]>([])
        func record(_ n: Int) { seen.withLock { $0.append(n) } }
        var numbers: [Int] { seen.withLock { $0 } }
    }

    static func status(_ code: Int) -> RetryDecision.Observed {
        .status(code, retryAfter: code == 503 ? nil : "3")
    }

    func testRetriedStatusesWaitTheBackoffOrRetryAfterUntilAnAnswerStands() async throws {
        let clock = FakeClock()
        let loop = RetryLoop(policy: policy(attempts: 5, on: [.status(503), .status(429)]), method: "GET", context: try context(clock: clock))
        let seen = Attempts()
        let outcome = await loop.run(attempt: { n throws(TransportError) -> Int in
            seen.record(n)
            return [503, 429, 200][n - 1]
        }, classify: { Self.status($0) })
        guard case .answered(200, attempts: 3) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertEqual(seen.numbers, [1, 2, 3])
        XCTAssertEqual(clock.sleeps, [.milliseconds(100), .seconds(3)], "backoff after the 503, Retry-After after the 429")
    }

    func testTheLastAnswerStandsWhenAttemptsRunOut() async throws {
        let clock = FakeClock()
        let loop = RetryLoop(policy: policy(attempts: 3), method: "GET", context: try context(clock: clock))
        let outcome = await loop.run(attempt: { _ throws(TransportError) in 503 }, classify: { Self.status($0) })
        guard case .answered(503, attempts: 3) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertEqual(clock.sleeps, [.milliseconds(100), .milliseconds(200)])
    }

    func testAFailureThePolicyDoesNotRetryStands() async throws {
        let clock = FakeClock()
        let loop = RetryLoop(policy: policy(attempts: 3, on: [.status(503)]), method: "GET", context: try context(clock: clock))
        let outcome = await loop.run(attempt: { _ throws(TransportError) -> Int in
            throw TransportError(.connect, "connection refused (api.test:80)")
        }, classify: { Self.status($0) })
        guard case .failed(let error, attempts: 1) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertEqual(error.kind, .connect)
        XCTAssertEqual(clock.sleeps, [])
    }

    func testAnAnswerThatIsNotSettledIsPolledAtTheIntervalWhileAttemptsLast() async throws {
        let clock = FakeClock()
        var p = policy(attempts: 4)
        p.interval = .milliseconds(250)
        let loop = RetryLoop(policy: p, method: "GET", context: try context(clock: clock))
        let outcome = await loop.run(attempt: { n throws(TransportError) in n }, classify: { _ in nil }, settled: { $0 >= 3 })
        guard case .answered(3, attempts: 3) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertEqual(clock.sleeps, [.milliseconds(250), .milliseconds(250)])

        let never = await loop.run(attempt: { n throws(TransportError) in n }, classify: { _ in nil }, settled: { _ in false })
        guard case .answered(4, attempts: 4) = never else { return XCTFail("\(never)") }
    }

    func testACancelledRunSendsNothing() async throws {
        let context = try context()
        context.cancel()
        let seen = Attempts()
        let outcome = await RetryLoop(policy: policy(attempts: 3), method: "GET", context: context)
            .run(attempt: { n throws(TransportError) in seen.record(n); return 200 }, classify: { Self.status($0) })
        guard case .interrupted(.beforeFirstAttempt, attempts: 0) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertEqual(seen.numbers, [])
    }

    func testAnAttemptThatFailsOnceTheRunIsCancelledIsInterruptedWithoutAWait() async throws {
        let clock = FakeClock()
        let context = try context(clock: clock)
        let outcome = await RetryLoop(policy: policy(attempts: 3), method: "GET", context: context)
            .run(attempt: { _ throws(TransportError) -> Int in
                context.cancel()
                throw TransportError(.timeout, "no answer within 10s (api.test:80)")
            }, classify: { Self.status($0) })
        guard case .interrupted(.duringAttempt, attempts: 1) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertEqual(clock.sleeps, [])
    }

    func testARetriedAnswerThatArrivesAfterTheInterruptIsNotWaitedFor() async throws {
        let clock = FakeClock()
        let context = try context(clock: clock)
        let outcome = await RetryLoop(policy: policy(attempts: 3), method: "GET", context: context)
            .run(attempt: { _ throws(TransportError) -> Int in
                context.cancel()
                return 503
            }, classify: { Self.status($0) })
        guard case .interrupted(.betweenAttempts, attempts: 1) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertEqual(clock.sleeps, [])
    }

    /// The loop ends its wait on the interrupt itself: it does not need its task to be cancelled.
    func testTheWaitEndsAtOnceWhenTheRunIsCancelled() async throws {
        let clock = BlockingClock()
        let context = try context(clock: clock)
        let seen = Attempts()
        let loop = RetryLoop(policy: policy(attempts: 3), method: "GET", context: context)
        let run = Task {
            await loop.run(attempt: { n throws(TransportError) -> Int in seen.record(n); return 429 },
                           classify: { _ in .status(503, retryAfter: "30") })
        }
        try await pollUntil { clock.sleeping == 1 }
        let interrupted = ContinuousClock.now
        context.cancel()
        let outcome = await run.value
        XCTAssertLessThan(ContinuousClock.now - interrupted, .seconds(2))
        guard case .interrupted(.betweenAttempts, attempts: 1) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertEqual(seen.numbers, [1])
    }
}
