import RehearseModel

/// An attempt that failed and was tried again by the retry policy (never a poll that was not yet
/// settled): why it failed, and when it started.
public struct FailedAttempt: Sendable, Hashable {
    /// 1-based.
    public var number: Int
    /// When the attempt started, counted from the start of the exchange's first attempt.
    public var at: Duration
    /// What the attempt saw: "status 503", "connect: connection refused (127.0.0.1:9)".
    public var cause: String

    public init(number: Int, at: Duration, cause: String) {
        self.number = number
        self.at = at
        self.cause = cause
    }
}

/// What kind of exchange a case made, so a reproduction is written for it: a plain request, a
/// WebSocket handshake, or a request answered by a Server-Sent Events stream.
public enum ExchangeKind: String, Sendable, Codable {
    case http, websocket, sse
}

extension CaseResult {
    /// Passed, but only after a retried attempt failed (spec §11): it works, and it is unreliable.
    public var isFlaky: Bool { outcome == .passed && !failedAttempts.isEmpty }
}

extension FailedAttempt {
    /// "attempt 1 (+0ms): status 503", the one way every report words a failed attempt.
    public var summary: String { "attempt \(number) (+\(Int(at.milliseconds.rounded()))ms): \(cause)" }
}

extension RunReport {
    /// Cases that passed only after a retry.
    public var flakyResults: [CaseResult] { results.filter(\.isFlaky) }
}
