import RehearseModel
import RehearseResults

extension CaseExecutor {
    /// The result of an exchange the retry loop ended without an answer that stands (a transport
    /// failure, or an interrupt before, between or during attempts); nil for an answer. One
    /// wording for HTTP, SSE and WebSocket cases. `waitingFor` names what an attempt waits for
    /// ("the response", "the handshake answer"); `record` is the exchange as sent.
    func unanswered<Answer>(_ outcome: RetryLoop.Outcome<Answer>, waitingFor: String,
                            record: () -> ExchangeRecord) -> CaseResult? {
        switch outcome {
        case .answered:
            return nil
        case .failed(let error, let attempts):
            var r = errored(error.kind == .timeout ? .timeout : .transport, error.message, attempts: attempts)
            r.exchange = record()
            return r
        case .interrupted(.beforeFirstAttempt, _):
            return errored(.interrupted, "interrupted before the request was sent")
        case .interrupted(.betweenAttempts, let attempts):
            return errored(.interrupted, "interrupted while retrying, after \(attempts) attempt\(attempts == 1 ? "" : "s")",
                           attempts: attempts)
        case .interrupted(.duringAttempt, let attempts):
            var r = errored(.interrupted, "interrupted while waiting for \(waitingFor)", attempts: attempts)
            r.exchange = record()
            return r
        }
    }
}
