#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseDiagnostics
import RehearseCompiler
import RehearseResults

/// Starts the open model's requests on time (spec §12): request k is due at its offset in the
/// schedule whether or not earlier ones returned. It sleeps until the next one is due on the
/// run's clock, then starts every request that is due by now, so a late wake-up catches up
/// instead of shifting the rest of the schedule. A start that would exceed `max_in_flight` is
/// counted as dropped, never delayed. The clock is injected: tests drive it without sleeping.
struct OpenLoadScheduler {
    let schedule: LoadScheduleMath
    let maxInFlight: Int
    let clock: any RunClock
    /// Waits shorter than this are not worth a timer: the request starts now, that much early.
    static let earlyStart: Duration = .microseconds(20)
    /// On an event-loop timer, ticks come at most this often: at high rates the starts due
    /// meanwhile go out together (a timer and a wake-up per start cost more than the request),
    /// each up to this much late — counted in its start lag and its latency, as any lateness is.
    static let shortestTick: Duration = .microseconds(250)

    /// What happened to each request of the schedule.
    enum Start {
        /// Send request `k`, due at `due` after `origin`, in second `second` of the case.
        case send(k: Int, due: Duration, second: Int)
        /// Request `k` was due while `max_in_flight` requests were waiting.
        case dropped(k: Int, due: Duration, second: Int)
    }

    /// Where a run of the schedule is: the next request, the seconds sealed, and whether the
    /// last step ended in a sleep.
    struct Progress: Sendable {
        var k = 0
        var sealed = 0
        var slept = false
    }

    /// Runs the whole schedule from `origin` (the case's start); returns how many requests were
    /// dealt with (all of them unless `isCancelled` said stop). `seal(s)` is called once every
    /// request of the seconds before `s` has been dealt with.
    @discardableResult
    func run(origin: ContinuousClock.Instant, inFlight: () -> Int, isCancelled: () -> Bool,
             seal: (Int) -> Void, start: (Start) -> Void) async -> Int {
        var progress = Progress()
        while let wait = step(&progress, origin: origin, inFlight: inFlight, isCancelled: isCancelled, seal: seal, start: start) {
            // A sleep ends at its deadline or later, so the request is due after it; only
            // cancellation ends one early.
            do { try await clock.sleep(for: wait) } catch { break }
        }
        return progress.k
    }

    /// Deals with every request due by now; returns how long until the next one is due, or nil
    /// once every request has been dealt with or `isCancelled` said stop. After a wait the first
    /// request starts whatever the clock says (a timer ends at its deadline or later, and a test
    /// clock that does not move starts it then).
    func step(_ p: inout Progress, origin: ContinuousClock.Instant, inFlight: () -> Int, isCancelled: () -> Bool,
              seal: (Int) -> Void, start: (Start) -> Void) -> Duration? {
        while p.k < schedule.total {
            if isCancelled() { return nil }
            let due = schedule.offset(of: p.k)
            if !p.slept {
                let wait = due - (clock.instant() - origin)
                if wait > Self.earlyStart {
                    p.slept = true
                    return wait
                }
            }
            p.slept = false
            let second = Int(due.components.seconds)
            if second > p.sealed {
                seal(second)
                p.sealed = second
            }
            start(inFlight() >= maxInFlight ? .dropped(k: p.k, due: due, second: second) : .send(k: p.k, due: due, second: second))
            p.k += 1
        }
        return nil
    }
}
