#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Hummingbird
import Synchronization

/// A server that stalls, for load tests: `POST /stall?in_ms=1000&for_ms=1000&hold_ms=1000` opens
/// a window starting `in_ms` from now and lasting `for_ms`; every `GET /stallable` that arrives
/// inside it is held `hold_ms` before it is answered (as if the process paused), every other one
/// is answered at once. A closed load loop sends only a few requests into such a window; an open
/// one keeps sending on schedule, and its percentiles show the stall.
final class DemoStall: Sendable {
    private let window = Mutex<(start: ContinuousClock.Instant, end: ContinuousClock.Instant, hold: Duration)?>(nil)

    func arm(in delay: Duration, for length: Duration, hold: Duration) {
        let start = ContinuousClock.now + delay
        window.withLock { $0 = (start, start + length, hold) }
    }

    /// How long a request arriving now is held.
    func hold(at now: ContinuousClock.Instant = .now) -> Duration? {
        window.withLock { w in
            guard let w, now >= w.start, now < w.end else { return nil }
            return w.hold
        }
    }
}

extension DemoServer {
    /// No window or hold longer than this, so a typo cannot hang a suite.
    static let stallCapMilliseconds = 30_000

    static func addStallRoutes(to router: Router<DemoRequestContext>) {
        let stall = DemoStall()
        router.post("stall") { request, _ in
            func ms(_ name: String, _ fallback: Int) -> Int {
                min(max(request.uri.queryParameters.get(name, as: Int.self) ?? fallback, 0), stallCapMilliseconds)
            }
            let delay = ms("in_ms", 0), length = ms("for_ms", 1000), hold = ms("hold_ms", 1000)
            stall.arm(in: .milliseconds(delay), for: .milliseconds(length), hold: .milliseconds(hold))
            return DemoJSON.response(.ok, ["in_ms": delay, "for_ms": length, "hold_ms": hold])
        }
        router.get("stallable") { _, _ in
            if let hold = stall.hold() {
                try await Task.sleep(for: hold)
                return DemoJSON.response(.ok, ["ok": true, "stalled": true])
            }
            return DemoJSON.response(.ok, ["ok": true, "stalled": false])
        }
    }
}
