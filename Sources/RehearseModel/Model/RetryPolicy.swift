/// The retry policy a case runs with: the suite default, overridden field by field by the case.
public struct RetryPolicy: Sendable {
    public var attempts: Int = 1
    public var backoff = Backoff()
    public var on: [RetryCondition] = [.connect, .timeout]
    public var unsafe = false
    /// With `until`: fixed wait between polls.
    public var interval: Duration?
    /// Poll until this expectation holds (assertion failures are retried only then).
    public var until: Expectation?

    public init() {}
}

public struct Backoff: Sendable, Hashable {
    public var initial: Duration = .milliseconds(200)
    public var max: Duration = .seconds(5)
    public var factor: Double = 2
    public var jitter = true
    public init() {}
}

/// A transient failure that may be retried.
public enum RetryCondition: Sendable, Hashable, CustomStringConvertible {
    case connect
    case timeout
    case status(Int)

    public var description: String {
        switch self {
        case .connect: return "connect"
        case .timeout: return "timeout"
        case .status(let s): return String(s)
        }
    }
}

/// The keys a suite default or a case set on `retry:`; unset keys fall through to the default.
public struct RetryOverride: Sendable {
    public var attempts: Int?
    public var initial: Duration?
    public var max: Duration?
    public var factor: Double?
    public var jitter: Bool?
    public var on: [RetryCondition]?
    public var unsafe: Bool?
    public var interval: Duration?
    public var until: Expectation?
    public var position: SourcePosition

    public init(position: SourcePosition) { self.position = position }

    public func applied(to base: RetryPolicy) -> RetryPolicy {
        var p = base
        if let attempts { p.attempts = attempts }
        if let initial { p.backoff.initial = initial }
        if let max { p.backoff.max = max }
        if let factor { p.backoff.factor = factor }
        if let jitter { p.backoff.jitter = jitter }
        if let on { p.on = on }
        if let unsafe { p.unsafe = unsafe }
        if let interval { p.interval = interval }
        if let until { p.until = until }
        return p
    }
}
