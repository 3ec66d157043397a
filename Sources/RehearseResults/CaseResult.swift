import RehearseModel
import RehearseCompiler

/// How a case ended (spec §6).
public enum Outcome: String, Sendable, Codable, CaseIterable {
    case passed, failed, errored, skipped, xfailed, xpassed

    /// Outcomes that keep the exit code at 0.
    public var isSuccess: Bool { self == .passed || self == .xfailed || self == .skipped }
    /// Dependents of a case run only when it really passed.
    public var unblocksDependents: Bool { self == .passed || self == .xpassed }
}

/// One thing that went wrong, with what was expected and what came back.
public struct Failure: Sendable, Hashable {
    public enum Kind: String, Sendable, Codable {
        case assertion, transport, timeout, template, dependency, auth, interrupted, configuration
    }
    public var kind: Kind
    /// "status: expected 200, got 503".
    public var message: String
    /// Where the failing expectation is written, when known.
    public var location: SourceLocation?

    public init(_ kind: Kind, _ message: String, at location: SourceLocation? = nil) {
        self.kind = kind
        self.message = message
        self.location = location
    }
}

/// The request and response of a case, as shown in failure details (already masked).
public struct ExchangeRecord: Sendable {
    public var requestLine: String
    public var requestHeaders: [(name: String, value: String)]
    public var status: Int?
    public var responseHeaders: [(name: String, value: String)]
    public var bodyExcerpt: String?
    public var duration: Duration?
    /// The request body as sent (masked, text only): what a `curl` reproduction sends.
    public var requestBody: String? = nil
    /// What kind of exchange this was: how a reproduction of it is written.
    public var kind: ExchangeKind = .http

    package init(requestLine: String, requestHeaders: [(name: String, value: String)], status: Int? = nil, responseHeaders: [(name: String, value: String)], bodyExcerpt: String? = nil, duration: Duration? = nil,
                 requestBody: String? = nil, kind: ExchangeKind = .http) {
        self.requestLine = requestLine
        self.requestHeaders = requestHeaders
        self.status = status
        self.responseHeaders = responseHeaders
        self.bodyExcerpt = bodyExcerpt
        self.duration = duration
        self.requestBody = requestBody
        self.kind = kind
    }
}

/// Latency over the responses of a `load` case.
public struct LoadStats: Sendable {
    public var requests: Int
    public var failures: Int
    public var percentiles: [(label: String, value: Duration)]
    /// The open model's figures (rate, dropped, causes, the timeline): `LoadStats+Open.swift`.
    public var detail = LoadDetail()

    package init(requests: Int, failures: Int, percentiles: [(label: String, value: Duration)]) {
        self.requests = requests
        self.failures = failures
        self.percentiles = percentiles
    }
}

/// Everything known about one finished case: the record every report is made from.
public struct CaseResult: Sendable {
    public var planID: String
    public var caseID: String
    public var name: String?
    public var priority: Priority
    public var tags: [String]
    public var outcome: Outcome
    public var attempts: Int
    public var duration: Duration
    public var failures: [Failure]
    /// Why a case was skipped or is expected to fail.
    public var reason: String?
    public var exchange: ExchangeRecord?
    /// Names of captured values (values may be secrets, so reports list names only).
    public var captureNames: [String]
    public var load: LoadStats?
    /// Timing of each `events` and `collect` step of a stream case.
    public var streams: [StreamStepStats] = []
    /// The auth profile whose valid credentials the case sends; nil for none and negative modes.
    /// Reports use it to tell "every protected case got 403" from a broken endpoint.
    public var auth: String?
    /// Attempts that failed and were tried again (retries, never polls): a passed case with
    /// any is flaky (spec §11).
    public var failedAttempts: [FailedAttempt] = []

    public var fullID: String { "\(planID)/\(caseID)" }

    /// True when the run's interrupt ended this case (in flight or not started).
    public var wasInterrupted: Bool {
        failures.contains { $0.kind == .interrupted } || (outcome == .skipped && reason == "interrupted")
    }

    public init(planID: String, caseID: String, name: String?, priority: Priority, tags: [String], outcome: Outcome,
                attempts: Int = 0, duration: Duration = .zero, failures: [Failure] = [], reason: String? = nil) {
        self.planID = planID
        self.caseID = caseID
        self.name = name
        self.priority = priority
        self.tags = tags
        self.outcome = outcome
        self.attempts = attempts
        self.duration = duration
        self.failures = failures
        self.reason = reason
        self.captureNames = []
    }
}
