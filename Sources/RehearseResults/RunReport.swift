#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseCompiler
import RehearseModel

/// Told about progress while a run goes (console output, live progress line).
public protocol RunObserver: Sendable {
    func runStarted(total: Int)
    func caseFinished(_ result: CaseResult, done: Int, total: Int)
}

/// The outcome of a login node (spec §2): shared by every case that uses the profile.
public struct LoginResult: Sendable {
    public var profile: String
    public var succeeded: Bool
    public var attempts: Int
    public var failure: String?

    public init(profile: String, succeeded: Bool, attempts: Int, failure: String?) {
        self.profile = profile
        self.succeeded = succeeded
        self.attempts = attempts
        self.failure = failure
    }
}

/// Every result of a run, in file order, and what the run as a whole means.
public struct RunReport: Sendable {
    public var results: [CaseResult]
    public var logins: [LoginResult]
    public var duration: Duration
    public var environment: String?
    public var seed: UInt64
    public var interrupted = false
    /// `--shard I/N` when the run was one shard of a suite.
    public var shard: Shard?
    /// `--gate`s: when present they, not "any failure", decide the exit code.
    public var gates: [Gate] = []
    /// `--insecure`: TLS certificates were not verified; every report says so.
    public var insecureTLS = false
    /// Spec §10: the probe's diagnosis of each profile whose valid credentials were refused by
    /// every case that sent them.
    public var authDiagnoses: [AuthDiagnosis] = []

    public init(results: [CaseResult], logins: [LoginResult] = [], duration: Duration = .zero, environment: String? = nil,
                seed: UInt64 = 0) {
        self.results = results
        self.logins = logins
        self.duration = duration
        self.environment = environment
        self.seed = seed
    }

    public func count(_ o: Outcome) -> Int { results.filter { $0.outcome == o }.count }

    /// Each gate against the by-priority table of this run.
    public var gateResults: [GateResult] { Gates.evaluate(gates, RunSummary(results)) }

    /// Exit code of spec §6: 130 when interrupted; with gates, 1 when one is missed; without,
    /// 1 when anything failed, errored or xpassed.
    public var exitCode: Int32 { exitStatus.rawValue }

    /// The same, named.
    public var exitStatus: ExitStatus {
        if interrupted { return .interrupted }
        if !gates.isEmpty { return gateResults.allSatisfy(\.passed) ? .ok : .failed }
        return results.contains { !$0.outcome.isSuccess } ? .failed : .ok
    }
}
