#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel

/// `REHEARSE_TIMING=1`: how long each stage took, one `timing:` line per stage on stderr, so the
/// command's own output is unchanged (docs/performance.md). Disabled, a lap costs one branch.
public final class StageTimer {
    private let enabled: Bool
    private var last = ContinuousClock.now

    public init(enabled: Bool) { self.enabled = enabled }

    /// Enabled when the process environment sets `REHEARSE_TIMING`.
    public static func fromEnvironment() -> StageTimer {
        StageTimer(enabled: ProcessInfo.processInfo.environment["REHEARSE_TIMING"] != nil)
    }

    /// Prints the time since the previous lap (or since the timer was made) under `stage`.
    public func lap(_ stage: String) {
        guard enabled else { return }
        let now = ContinuousClock.now
        StandardStream.error.write("timing: \(stage) \(now - last)\n")
        last = now
    }
}
