import Foundation
import Synchronization
import XCTest

@testable import RehearseModel
@testable import RehearseParser
@testable import RehearseResults
@testable import RehearseRuntime

/// A clock that never sleeps: a sleep moves its time forward by exactly the wait.
final class SteppingClock: RunClock, @unchecked Sendable {
    private let offset = Mutex<Duration>(.zero)
    let base = ContinuousClock.now
    private let sleepCount = Mutex(0)
    func now() -> Date { Date(timeIntervalSince1970: 1_800_000_000 + offset.withLock { $0 }.seconds) }
    func instant() -> ContinuousClock.Instant { base + offset.withLock { $0 } }
    func sleep(for duration: Duration) async throws {
        sleepCount.withLock { $0 += 1 }
        offset.withLock { $0 += duration }
    }
    var elapsed: Duration { offset.withLock { $0 } }
    var sleeps: Int { sleepCount.withLock { $0 } }
}

/// The open model's schedule and its scheduler, driven by a clock that does not sleep.
final class OpenLoadSchedulerTests: XCTestCase {
    func open(_ yaml: String) throws -> OpenLoad {
        let plan = """
        cases:
          - id: c
            request: GET http://x.test/
            load: \(yaml)
            expect: {status: 200}
        """
        let (parsed, diagnostics) = SuiteLoader.parsePlan(Array(plan.utf8), id: "p", path: "p.yaml")
        XCTAssertEqual(diagnostics.map(\.message), [])
        return try XCTUnwrap(parsed?.cases.first?.load?.open)
    }

    /// Runs a schedule with requests that each take `service`; returns what was sent and dropped.
    func simulate(_ open: OpenLoad, service: Duration) async -> (sent: [Duration], dropped: [Duration], clock: SteppingClock) {
        let clock = SteppingClock()
        let scheduler = OpenLoadScheduler(schedule: LoadScheduleMath(open), maxInFlight: open.maxInFlight, clock: clock)
        var sent: [Duration] = [], dropped: [Duration] = [], finishes: [Duration] = []
        let origin = clock.instant()
        await scheduler.run(origin: origin, inFlight: {
            let now = clock.elapsed
            finishes.removeAll { $0 <= now }
            return finishes.count
        }, isCancelled: { false }, seal: { _ in }) { start in
            switch start {
            case .send(_, let due, _):
                XCTAssertEqual(clock.elapsed, due, "a request starts when it is due, not before or after")
                sent.append(due)
                finishes.append(clock.elapsed + service)
            case .dropped(_, let due, _):
                dropped.append(due)
            }
        }
        return (sent, dropped, clock)
    }

    func testConstantRateStartsEveryRequestOnTime() async throws {
        let o = try open("{rate: 1000/s, duration: 10s}")
        let math = LoadScheduleMath(o)
        XCTAssertEqual(math.total, 10_000)
        XCTAssertEqual(math.offset(of: 0), .zero)
        XCTAssertEqual(math.offset(of: 1), .milliseconds(1))
        XCTAssertEqual(math.offset(of: 9_999), .milliseconds(9_999))
        let run = await simulate(o, service: .microseconds(100))
        XCTAssertEqual(run.sent.count, 10_000)
        XCTAssertEqual(run.dropped.count, 0)
        XCTAssertEqual(run.clock.elapsed, .milliseconds(9_999), "no sleep past the last start")
    }

    func testRequestsEndTheScheduleAtTheirCount() async throws {
        let o = try open("{rate: 30/m, requests: 7}")
        XCTAssertEqual(LoadScheduleMath(o).total, 7)
        XCTAssertEqual(LoadScheduleMath(o).offset(of: 6), .seconds(12), "30/m is one every 2 s")
        let run = await simulate(o, service: .milliseconds(1))
        XCTAssertEqual(run.sent, (0..<7).map { .seconds(2 * $0) })
    }

    /// A ramp from 0 to 100/s over 10 s is due 500 requests; request k is due when the area
    /// under the ramp, 5 t², reaches k.
    func testStagesRampFromThePreviousRate() async throws {
        let o = try open("{stages: [{rate: 100/s, for: 10s}, {rate: 100/s, for: 5s}, {rate: 0/s, for: 10s}]}")
        let math = LoadScheduleMath(o)
        XCTAssertEqual(math.total, 500 + 500 + 500)
        for k in [1, 20, 125, 499] {
            XCTAssertEqual(math.seconds(of: k), (Double(k) / 5).squareRoot(), accuracy: 1e-9, "k = \(k)")
        }
        XCTAssertEqual(math.seconds(of: 500), 10, accuracy: 1e-9)
        XCTAssertEqual(math.seconds(of: 750), 12.5, accuracy: 1e-9, "the hold stage is constant")
        // Ramping down from 100/s to 0 over 10 s: 100 t - 5 t² requests by t.
        let t = math.seconds(of: 1_000 + 375) - 15
        XCTAssertEqual(100 * t - 5 * t * t, 375, accuracy: 1e-6)
        let run = await simulate(o, service: .milliseconds(1))
        XCTAssertEqual(run.sent.count, 1_500)
        XCTAssertEqual(run.sent, run.sent.sorted(), "starts are in schedule order")
        // The rate in the middle of the first ramp (t = 5 s) is 50/s: about 50 starts in 4.5–5.5 s.
        let middle = run.sent.filter { $0 >= .milliseconds(4_500) && $0 < .milliseconds(5_500) }.count
        XCTAssertEqual(Double(middle), 50, accuracy: 1)
    }

    /// 100/s of requests that take 95 ms with at most 5 in flight: five start, the next five
    /// find five waiting and are dropped (not delayed), and so on.
    func testStartsBeyondMaxInFlightAreDroppedNotDelayed() async throws {
        let o = try open("{rate: 100/s, duration: 1s, max_in_flight: 5}")
        let run = await simulate(o, service: .milliseconds(95))
        XCTAssertEqual(run.sent.count, 50)
        XCTAssertEqual(run.dropped.count, 50)
        XCTAssertEqual(Array(run.sent.prefix(6)), [0, 10, 20, 30, 40, 100].map { .milliseconds($0) })
        XCTAssertEqual(Array(run.dropped.prefix(5)), [50, 60, 70, 80, 90].map { .milliseconds($0) })
    }

    /// The event-loop form: a tick that comes late starts every request due by then, in order,
    /// and says how long until the next; the tick after that wait starts the next at once.
    func testALateStepCatchesUpAndReturnsTheWaitToTheNext() async throws {
        let o = try open("{rate: 100/s, duration: 1s}")
        let clock = SteppingClock()
        let scheduler = OpenLoadScheduler(schedule: LoadScheduleMath(o), maxInFlight: o.maxInFlight, clock: clock)
        let origin = clock.instant()
        var progress = OpenLoadScheduler.Progress()
        var sent: [Int] = []
        func step() -> Duration? {
            scheduler.step(&progress, origin: origin, inFlight: { 0 }, isCancelled: { false }, seal: { _ in }) { start in
                if case .send(let k, _, _) = start { sent.append(k) }
            }
        }
        XCTAssertEqual(step(), .milliseconds(10), "request 0 is due at once, request 1 in 10 ms")
        XCTAssertEqual(sent, [0])
        try await clock.sleep(for: .milliseconds(35))
        XCTAssertEqual(step(), .milliseconds(5), "late by 25 ms: 1, 2 and 3 start now; 4 is due in 5 ms")
        XCTAssertEqual(sent, [0, 1, 2, 3])
        XCTAssertEqual(step(), .milliseconds(15), "after a wait the request due starts (this clock did not move); 5 is due at 50 ms")
        XCTAssertEqual(sent, [0, 1, 2, 3, 4])
    }

    func testDryRunDescribesTheSchedule() throws {
        XCTAssertEqual(OpenLoad.describe(try open("{rate: 500/s, duration: 30s, max_in_flight: 200}")),
                       "15000 requests at 500/s over 30s, at most 200 in flight")
        XCTAssertEqual(OpenLoad.describe(try open("{stages: [{rate: 100/s, for: 10s}, {rate: 0/s, for: 10s}]}")),
                       "1000 requests at 100/s for 10s, then 0/s for 10s, at most 1000 in flight")
        XCTAssertEqual(OpenLoad.describe(try open("{rate: 500/s, duration: 30s, connections: 16}")),
                       "15000 requests at 500/s over 30s, at most 1000 in flight over at most 16 connections")
    }

    /// One sleep per start at a steady rate: the scheduler waits on the clock, it does not spin.
    func testTheSchedulerSleepsOnTheClockBetweenStarts() async throws {
        let run = await simulate(try open("{rate: 50/s, duration: 2s}"), service: .milliseconds(1))
        XCTAssertEqual(run.sent.count, 100)
        XCTAssertEqual(run.clock.sleeps, 99)
    }

    /// The recorder keeps a row per second and closes it once the second is sealed and done;
    /// however many requests pass, only seconds still in flight stay open.
    func testRecorderKeepsRowsNotRequests() {
        let recorder = LoadRecorder()
        for second in 0..<20 {
            recorder.seal(below: second)
            for i in 0..<5_000 {
                recorder.begin(second: second)
                recorder.finish(second: second, latency: .microseconds(100 + i % 900), cause: i % 1000 == 0 ? "status 503" : nil)
            }
            XCTAssertLessThanOrEqual(recorder.openSeconds, 1)
        }
        recorder.drop(second: 19)
        let s = recorder.summary()
        XCTAssertEqual(s.sent, 100_000)
        XCTAssertEqual(s.failed, 100)
        XCTAssertEqual(s.dropped, 1)
        XCTAssertEqual(s.causes.map(\.cause), ["status 503"])
        XCTAssertEqual(s.rows.map(\.second), Array(0..<20))
        XCTAssertEqual(s.rows.map(\.requests), Array(repeating: 5_000, count: 20))
        XCTAssertEqual(s.rows.last?.dropped, 1)
        XCTAssertEqual(s.latency.totalCount, 100_000)
    }

    /// Closed-model workers read the clock on their own: a reading older than another worker's
    /// counts in the open second, so a closed row is never opened again.
    func testClosedModelWorkersNeverReopenASealedSecond() {
        let recorder = LoadRecorder()
        let first = recorder.beginNow(second: 0)
        recorder.finish(second: first, latency: .milliseconds(1), cause: nil)
        let late = recorder.beginNow(second: 3)
        let stale = recorder.beginNow(second: 2)
        XCTAssertEqual([first, late, stale], [0, 3, 3])
        recorder.finish(second: late, latency: .milliseconds(1), cause: nil)
        recorder.finish(second: stale, latency: .milliseconds(2), cause: nil)
        let rows = recorder.summary().rows
        XCTAssertEqual(rows.map(\.second), [0, 3])
        XCTAssertEqual(rows.map(\.requests), [1, 2])
    }

    func testDistinctCausesAreCapped() {
        let recorder = LoadRecorder()
        for i in 0..<100 {
            recorder.begin(second: 0)
            recorder.finish(second: 0, latency: .milliseconds(1), cause: "status \(400 + i)")
        }
        let causes = recorder.summary().causes
        XCTAssertEqual(causes.count, LoadRecorder.maxCauses + 1)
        XCTAssertEqual(causes.first { $0.cause == "other" }?.count, 100 - LoadRecorder.maxCauses)
    }
}

extension OpenLoadSchedulerTests {
    /// The engine's usual test clock never moves; an open-model case still finishes on it, with
    /// every request sent once (the scheduler sleeps once per start, it does not wait for time).
    func testAnOpenLoadFinishesOnAClockThatDoesNotMove() async throws {
        let graph = try EngineFixtures.graph(["p": """
        cases:
          - id: c
            auth: none
            request: GET http://api.test/x
            load: {rate: 100/s, duration: 1s}
            expect: {status: 200}
        """])
        let transport = FakeTransport { _, _ throws(TransportError) in FakeTransport.json(200, "{}") }
        let clock = FakeClock()
        let (report, _) = try await EngineFixtures.run(graph, transport: transport, clock: clock)
        XCTAssertEqual(report.outcome("c"), .passed)
        XCTAssertEqual(report.result("c")?.load?.requests, 100)
        XCTAssertEqual(clock.sleeps.count, 99)
        XCTAssertEqual(clock.sleeps.first, .milliseconds(10))
    }
}
