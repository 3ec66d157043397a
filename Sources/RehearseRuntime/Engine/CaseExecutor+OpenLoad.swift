#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import Synchronization
import RehearseDiagnostics
import RehearseCompiler
import RehearseResults

extension CaseExecutor {
    /// The open model (spec §12): requests start on the schedule of `rate` or `stages`, each in a
    /// child task of a discarding group (nothing is kept per request), and latency runs from
    /// when a request was *due*, so a server that stalls shows in the percentiles however few
    /// requests the stall would have let a closed loop send (no coordinated omission).
    func runOpenLoad(_ request: HTTPRequestData, _ open: OpenLoad, _ checker: ExpectationChecker) async -> CaseResult {
        if let starting = context.loadTransport as? any StartingHTTPTransport { return await runOpenStarted(request, open, checker, starting) }
        let schedule = LoadScheduleMath(open)
        let scheduler = OpenLoadScheduler(schedule: schedule, maxInFlight: open.maxInFlight, clock: context.clock)
        let recorder = LoadRecorder()
        let transport = context.loadTransport
        let clock = context.clock
        let perResponse = perResponseExpectation
        let context = self.context
        let executor = self
        let origin = clock.instant()
        let (dealt, lastStart) = await withDiscardingTaskGroup { group -> (Int, ContinuousClock.Instant) in
            let dealt = await scheduler.run(origin: origin, inFlight: { recorder.inFlight.load(ordering: .relaxed) },
                                isCancelled: { context.isCancelled }, seal: { recorder.seal(below: $0) }) { start in
                switch start {
                case .dropped(_, _, let second):
                    recorder.drop(second: second)
                case .send(_, let due, let second):
                    recorder.begin(second: second)
                    group.addTask {
                        let scheduled = origin + due
                        recorder.lag(clock.instant() - scheduled)
                        do throws(TransportError) {
                            let response = try await transport.send(request)
                            executor.judge(response, perResponse, checker, second: second, latency: clock.instant() - scheduled,
                                           recorder: recorder)
                        } catch {
                            // A timeout is latency too: the caller waited that long for nothing.
                            let latency: Duration? = error.kind == .cancelled ? nil : clock.instant() - scheduled
                            recorder.finish(second: second, latency: latency, cause: LoadRecorder.cause(of: error), transport: true,
                                            failures: [Failure(.transport, error.message)])
                        }
                    }
                }
            }
            return (dealt, clock.instant())
        }
        return openLoadResult(request, schedule, recorder.summary(), dealt: dealt, lastStart: lastStart, origin: origin,
                              cancelled: context.isCancelled)
    }

    /// The open model's result once every request has ended.
    func openLoadResult(_ request: HTTPRequestData, _ schedule: LoadScheduleMath, _ summary: LoadRecorder.Summary, dealt: Int,
                        lastStart: ContinuousClock.Instant, origin: ContinuousClock.Instant, cancelled: Bool) -> CaseResult {
        let clock = context.clock
        if cancelled, dealt < schedule.total || summary.transportFailures > 0 {
            return errored(.interrupted, "interrupted after \(summary.sent) of \(schedule.total) scheduled requests",
                           attempts: summary.sent)
        }
        var detail = LoadDetail()
        detail.model = .open
        detail.targetRate = schedule.meanRate
        detail.elapsed = clock.instant() - origin
        // Starts over the time they were spread across: the schedule, or longer if it ran late.
        let window = max(lastStart - origin, schedule.length).seconds
        detail.achievedRate = window > 0 ? Double(summary.sent) / window : 0
        return loadResult(request, summary, detail: detail, planned: schedule.total)
    }
}
