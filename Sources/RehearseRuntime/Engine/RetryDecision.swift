#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import RehearseModel
import RehearseDiagnostics
import RehearseCompiler
import RehearseResults

/// When to try again and how long to wait (spec §5), as a pure function of the policy and what
/// the last attempt saw, so it is tested without a network or a clock.
public enum RetryDecision {
    public enum Observed: Sendable {
        case transport(TransportError.Kind)
        case status(Int, retryAfter: String?)
    }

    /// The wait before the next attempt, or nil when the last attempt's result stands.
    /// `attempt` is the number of the attempt just made (1-based).
    public static func delay(policy: RetryPolicy, method: String, observed: Observed, attempt: Int,
                             random: RandomSource, now: Date = Date()) -> Duration? {
        guard attempt < policy.attempts else { return nil }
        let idempotent = !["POST", "PATCH"].contains(method.uppercased())
        switch observed {
        case .transport(.connect):
            // Nothing was sent: safe for every method.
            guard policy.on.contains(.connect) else { return nil }
        case .transport(.timeout):
            guard policy.on.contains(.timeout), idempotent || policy.unsafe else { return nil }
        case .transport(.closed):
            // The request reached the server; retry like a timeout, under `connect`.
            guard policy.on.contains(.connect), idempotent || policy.unsafe else { return nil }
        case .transport:
            return nil
        case .status(let code, let retryAfter):
            guard policy.on.contains(.status(code)), idempotent || policy.unsafe else { return nil }
            if let retryAfter, let wait = parseRetryAfter(retryAfter, now: now) { return min(wait, .seconds(60)) }
        }
        return backoff(policy.backoff, attempt: attempt, random: random)
    }

    /// initial × factor^(attempt−1), capped at max; with jitter, a uniform draw in [½d, d].
    public static func backoff(_ b: Backoff, attempt: Int, random: RandomSource) -> Duration {
        let base = b.initial.seconds * pow(b.factor, Double(max(0, attempt - 1)))
        var d = min(base, b.max.seconds)
        if b.jitter { d = d * (0.5 + 0.5 * random.unit()) }
        return .milliseconds(Int64((d * 1000).rounded()))
    }

    /// `Retry-After`: delay-seconds or an HTTP date.
    public static func parseRetryAfter(_ value: String, now: Date) -> Duration? {
        let v = value.trimmingSpaces()
        if let s = Int(v), s >= 0 { return .seconds(s) }
        guard let date = HTTPDate.parse(v) else { return nil }
        return .milliseconds(Int64(max(0, date.timeIntervalSince(now)) * 1000))
    }
}
