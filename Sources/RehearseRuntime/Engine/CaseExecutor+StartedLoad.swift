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

/// Load cases on a `StartingHTTPTransport`: no task per request. In the closed model each slot of
/// `concurrency` starts its next request from the callback of its last one (on the connection's
/// event loop, where the response was read); in the open model the scheduler starts each request
/// itself on the case's `StartingPool`. Both wait on a `LoadFlight` for the last response. The recording and the result are
/// those of `CaseExecutor+Load.swift`.
extension CaseExecutor {
    func runClosedStarted(_ request: HTTPRequestData, _ load: LoadSpec, _ checker: ExpectationChecker,
                          _ transport: any StartingHTTPTransport) async -> CaseResult {
        let recorder = LoadRecorder()
        let clock = context.clock
        let origin = clock.instant()
        let flight = LoadFlight()
        let slots = min(load.concurrency, load.requests)
        let workers = ClosedLoadSlots(executor: self, transport: transport, request: request, limit: load.requests,
                                      expectation: perResponseExpectation, checker: checker, recorder: recorder,
                                      flight: flight, origin: origin)
        await withTaskCancellationHandler {
            for _ in 0..<slots {
                flight.enter()
                workers.next()
            }
            await flight.wait()
        } onCancel: {
            flight.cancel()
            transport.cancelStarted()
        }
        let summary = recorder.summary()
        let completed = summary.sent - workers.cancelledRequests.load(ordering: .relaxed)
        if context.isCancelled || flight.isCancelled, completed < load.requests {
            return errored(.interrupted, "interrupted after \(completed) of \(load.requests) requests", attempts: completed)
        }
        var detail = LoadDetail()
        detail.model = .closed
        detail.elapsed = clock.instant() - origin
        return loadResult(request, summary, detail: detail, planned: load.requests)
    }

    func runOpenStarted(_ request: HTTPRequestData, _ open: OpenLoad, _ checker: ExpectationChecker,
                        _ transport: any StartingHTTPTransport) async -> CaseResult {
        let schedule = LoadScheduleMath(open)
        let scheduler = OpenLoadScheduler(schedule: schedule, maxInFlight: open.maxInFlight, clock: context.clock)
        let recorder = LoadRecorder()
        let clock = context.clock
        let perResponse = perResponseExpectation
        let context = self.context
        let executor = self
        let flight = LoadFlight()
        // The case's own connections, at most `connections` (or one per request in flight).
        let pool = transport.makePool(connections: open.connectionLimit)
        let origin = clock.instant()
        let startOne: @Sendable (OpenLoadScheduler.Start) -> Void = { start in
            switch start {
            case .dropped(_, _, let second):
                recorder.drop(second: second)
            case .send(_, let due, let second):
                let scheduled = origin + due
                recorder.begin(second: second, lag: clock.instant() - scheduled)
                flight.enter()
                pool.start(request) { result in
                    switch result {
                    case .success(let response):
                        executor.judge(response, perResponse, checker, second: second, latency: clock.instant() - scheduled,
                                       recorder: recorder)
                    case .failure(let failure):
                        let error = flight.isCancelled ? TransportError(.cancelled, "request cancelled") : failure
                        // A timeout is latency too: the caller waited that long for nothing.
                        let latency: Duration? = error.kind == .cancelled ? nil : clock.instant() - scheduled
                        recorder.finish(second: second, latency: latency, cause: LoadRecorder.cause(of: error), transport: true,
                                        failures: [Failure(.transport, error.message)])
                    }
                    flight.leave()
                }
            }
        }
        let inFlight: @Sendable () -> Int = { recorder.inFlight.load(ordering: .relaxed) }
        let isCancelled: @Sendable () -> Bool = { context.isCancelled || flight.isCancelled }
        let seal: @Sendable (Int) -> Void = { recorder.seal(below: $0) }
        let (dealt, lastStart) = await withTaskCancellationHandler {
            let dealt: Int
            if clock is SystemRunClock {
                // On the pool's event loop: its timer wakes the schedule, and a start finds an
                // idle connection of that loop to write on without a hop.
                let progress = SchedulerProgress()
                await pool.drive {
                    let wait = progress.state.withLock { p in
                        scheduler.step(&p, origin: origin, inFlight: inFlight, isCancelled: isCancelled, seal: seal, start: startOne)
                    }
                    return wait.map { max($0, OpenLoadScheduler.shortestTick) }
                }
                dealt = progress.state.withLock { $0.k }
            } else {
                dealt = await scheduler.run(origin: origin, inFlight: inFlight, isCancelled: isCancelled, seal: seal, start: startOne)
            }
            let lastStart = clock.instant()
            await flight.wait()
            return (dealt, lastStart)
        } onCancel: {
            flight.cancel()
            pool.cancel()
            transport.cancelStarted()
        }
        pool.close()
        return openLoadResult(request, schedule, recorder.summary(), dealt: dealt, lastStart: lastStart, origin: origin,
                              cancelled: context.isCancelled || flight.isCancelled)
    }
}

/// Where the open model's schedule is, between ticks of `StartingPool.drive` (one at a time).
final class SchedulerProgress: Sendable {
    let state = Mutex(OpenLoadScheduler.Progress())
}

/// The closed model's slots on a `StartingHTTPTransport`: `next()` takes a ticket and starts a
/// request whose callback records it and calls `next()` again, until the tickets run out.
final class ClosedLoadSlots: Sendable {
    let executor: CaseExecutor
    let transport: any StartingHTTPTransport
    let request: HTTPRequestData
    let limit: Int
    let expectation: Expectation
    let checker: ExpectationChecker
    let recorder: LoadRecorder
    let flight: LoadFlight
    let origin: ContinuousClock.Instant
    let tickets = LoadTickets()
    let cancelledRequests = Atomic<Int>(0)

    init(executor: CaseExecutor, transport: any StartingHTTPTransport, request: HTTPRequestData, limit: Int,
         expectation: Expectation, checker: ExpectationChecker, recorder: LoadRecorder, flight: LoadFlight,
         origin: ContinuousClock.Instant) {
        self.executor = executor
        self.transport = transport
        self.request = request
        self.limit = limit
        self.expectation = expectation
        self.checker = checker
        self.recorder = recorder
        self.flight = flight
        self.origin = origin
    }

    func next() {
        let clock = executor.context.clock
        guard !executor.context.isCancelled, !flight.isCancelled, tickets.take(below: limit) else {
            flight.leave()
            return
        }
        let second = recorder.beginNow(second: Int((clock.instant() - origin).components.seconds))
        transport.start(request) { [self] result in
            switch result {
            case .success(let response):
                executor.judge(response, expectation, checker, second: second, latency: response.duration, recorder: recorder)
            case .failure(let failure):
                let error = flight.isCancelled ? TransportError(.cancelled, "request cancelled") : failure
                if error.kind == .cancelled { cancelledRequests.add(1, ordering: .relaxed) }
                // The closed model's latency is that of responses: a failure has none.
                recorder.finish(second: second, latency: nil, cause: LoadRecorder.cause(of: error), transport: true,
                                failures: [Failure(.transport, error.message)])
            }
            next()
        }
    }
}

/// What a load case on a `StartingHTTPTransport` waits for: requests (or slots) in flight.
/// `wait()` returns once the count is back at zero; it is called after the last `enter()`. The
/// count is an atomic (a lock per request was a cost of the open model); the lock is taken only
/// when the count reaches zero.
final class LoadFlight: Sendable {
    private let count = Atomic<Int>(0)
    private let waiter = Mutex<CheckedContinuation<Void, Never>?>(nil)
    private let cancelled = Atomic<Bool>(false)

    var isCancelled: Bool { cancelled.load(ordering: .relaxed) }

    func cancel() { cancelled.store(true, ordering: .relaxed) }

    func enter() { count.add(1, ordering: .acquiringAndReleasing) }

    func leave() {
        guard count.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 else { return }
        waiter.withLock { w -> CheckedContinuation<Void, Never>? in
            defer { w = nil }
            return w
        }?.resume()
    }

    /// Returns when nothing is in flight any more.
    func wait() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            waiter.withLock { $0 = c }
            // Zero already (or since): whoever takes the continuation out resumes it, once.
            guard count.load(ordering: .acquiring) == 0 else { return }
            waiter.withLock { w -> CheckedContinuation<Void, Never>? in
                defer { w = nil }
                return w
            }?.resume()
        }
    }
}

extension Expectation {
    /// Only `status` (or nothing) to check per response: a load case's response then needs no
    /// `ObservedResponse` when it passes.
    var checksStatusOnly: Bool { json.isEmpty && headers.isEmpty && body == nil && duration == nil && schema == nil }
}
