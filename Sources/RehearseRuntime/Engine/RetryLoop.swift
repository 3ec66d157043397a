#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseCompiler
import RehearseResults

/// The one retry loop of the engine (spec §5): every exchange that may be tried again (an HTTP
/// case, a WebSocket handshake, a login) sends through it, so attempts, waits, `Retry-After`
/// and interrupts behave the same for all of them.
///
/// The caller says how to make one attempt and how to read an answer; the loop decides whether
/// to try again (`RetryDecision`), waits on the run's clock, and stops as soon as the run is
/// cancelled: before an attempt, when an attempt fails because of it, and before and after a wait.
struct RetryLoop {
    let policy: RetryPolicy
    /// The exchange's method: POST and PATCH are retried after they were sent only when `unsafe`.
    let method: String
    let context: RunContext

    /// Where an interrupt found the exchange, for the caller to word its failure.
    enum Interruption: Equatable, Sendable {
        /// Nothing was sent.
        case beforeFirstAttempt
        /// At least one attempt ended and another was due (or being waited for).
        case betweenAttempts
        /// An attempt was under way: cancelled, or it failed once the run was cancelled.
        case duringAttempt
    }

    /// How the exchange ended, with the number of attempts made.
    enum Outcome<Answer> {
        /// The last attempt got an answer that is not retried (any more).
        case answered(Answer, attempts: Int)
        /// The last attempt got no answer, and that is not retried (any more).
        case failed(TransportError, attempts: Int)
        case interrupted(Interruption, attempts: Int)

        var attempts: Int {
            switch self {
            case .answered(_, let n), .failed(_, let n), .interrupted(_, let n): return n
            }
        }
    }

    /// Runs `attempt` until its result stands.
    ///
    /// - Parameters:
    ///   - attempt: one try, given its number (1-based); throws when it got no answer.
    ///   - classify: the status an answer is retried by (with its `Retry-After`), or nil for an
    ///     answer that always stands (an accepted WebSocket upgrade).
    ///   - settled: for polling (`retry.until`): whether an answer the policy does not retry is
    ///     final; while it is not and attempts are left, the loop waits `interval` (or the backoff)
    ///     and tries again.
    ///   - retried: told of each attempt the policy tries again (a failure, so a case that passes
    ///     after one is flaky); never of a poll that was not settled yet.
    func run<Answer>(
        attempt: (Int) async throws(TransportError) -> Answer,
        classify: (Answer) -> RetryDecision.Observed?,
        settled: ((Answer) -> Bool)? = nil,
        retried: (FailedAttempt) -> Void = { _ in }
    ) async -> Outcome<Answer> {
        var made = 0
        let begin = context.clock.instant()
        while true {
            if context.isCancelled { return .interrupted(made == 0 ? .beforeFirstAttempt : .betweenAttempts, attempts: made) }
            made += 1
            let started = context.clock.instant() - begin
            let answer: Answer
            do throws(TransportError) {
                answer = try await attempt(made)
            } catch {
                // A cancelled attempt, or one that failed because the run stopped, is no transient failure.
                if error.kind == .cancelled || context.isCancelled { return .interrupted(.duringAttempt, attempts: made) }
                guard let wait = delay(after: .transport(error.kind), attempt: made) else { return .failed(error, attempts: made) }
                retried(FailedAttempt(number: made, at: started, cause: "\(error.kind.rawValue): \(error.message)"))
                guard await pause(wait) else { return .interrupted(.betweenAttempts, attempts: made) }
                continue
            }
            if let observed = classify(answer), let wait = delay(after: observed, attempt: made) {
                if case .status(let status, _) = observed { retried(FailedAttempt(number: made, at: started, cause: "status \(status)")) }
                guard await pause(wait) else { return .interrupted(.betweenAttempts, attempts: made) }
                continue
            }
            if let settled, made < policy.attempts, !settled(answer) {
                let wait = policy.interval ?? RetryDecision.backoff(policy.backoff, attempt: made, random: context.random)
                guard await pause(wait) else { return .interrupted(.betweenAttempts, attempts: made) }
                continue
            }
            return .answered(answer, attempts: made)
        }
    }

    /// The wait the policy asks for after what attempt `attempt` saw, or nil when that stands.
    private func delay(after observed: RetryDecision.Observed, attempt: Int) -> Duration? {
        RetryDecision.delay(policy: policy, method: method, observed: observed, attempt: attempt,
                            random: context.random, now: context.clock.now())
    }

    /// Waits on the run's clock; false when the run is cancelled before or during the wait.
    ///
    /// The wait races `RunContext.waitUntilCancelled` rather than relying on the caller's task
    /// being cancelled, so an interrupt ends it at once wherever the loop runs.
    private func pause(_ wait: Duration) async -> Bool {
        if context.isCancelled { return false }
        let context = self.context
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await context.clock.sleep(for: wait) }
            group.addTask { await context.waitUntilCancelled() }
            _ = await group.next()
            group.cancelAll()
        }
        return !context.isCancelled
    }
}

extension RetryLoop.Outcome: Sendable where Answer: Sendable {}

extension RetryLoop {
    /// A plain request through the run's transport, retried by its status: the whole exchange of
    /// a login (and of any other request whose answer is read only once it stands).
    static func send(_ request: HTTPRequestData, policy: RetryPolicy, context: RunContext) async -> Outcome<HTTPResponseData> {
        await RetryLoop(policy: policy, method: request.method, context: context).run(attempt: { _ throws(TransportError) in
            try await context.transport.send(request)
        }, classify: { response in
            .status(response.status, retryAfter: response.header("Retry-After"))
        })
    }
}
