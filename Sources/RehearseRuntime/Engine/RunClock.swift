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

/// Time as the engine sees it: injected so retry and backoff tests do not sleep.
public protocol RunClock: Sendable {
    /// Wall-clock time, for `now()`, `timestamp()` and JWT `iat`/`exp`.
    func now() -> Date
    /// Monotonic instant, for durations.
    func instant() -> ContinuousClock.Instant
    func sleep(for duration: Duration) async throws
}

/// The real clock.
public struct SystemRunClock: RunClock {
    public init() {}
    public func now() -> Date { Date() }
    public func instant() -> ContinuousClock.Instant { ContinuousClock.now }
    /// No timer tolerance: an open-model load starts requests on this clock, and the default
    /// tolerance let wake-ups slip by milliseconds (docs/performance.md, rate accuracy).
    public func sleep(for duration: Duration) async throws { try await Task.sleep(for: duration, tolerance: .zero) }
}

/// Randomness for jitter, ids and template functions; seeded, a run is repeatable.
public final class RandomSource: Sendable {
    private let state: Mutex<UInt64>
    public let seed: UInt64

    public init(seed: UInt64) {
        self.seed = seed
        self.state = Mutex(seed)
    }

    public func next() -> UInt64 {
        state.withLock { s in
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Uniform in 0..<1.
    public func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    public func int(in range: ClosedRange<Int>) -> Int {
        let span = UInt64(range.upperBound - range.lowerBound) + 1
        return range.lowerBound + Int(next() % span)
    }

    public func hex(_ count: Int) -> String {
        var out = ""
        while out.count < count { out += String(next(), radix: 16).leftPadded(to: 16) }
        return String(out.prefix(count))
    }

    /// A version 4 UUID from this source.
    public func uuid() -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<16 { bytes[i] = UInt8(truncatingIfNeeded: next()) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8],
                           bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15])).uuidString.lowercased()
    }
}

extension String {
    func leftPadded(to n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
