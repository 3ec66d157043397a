/// A transport that can start a request and call back when it ends, without a task per request.
///
/// Load cases send the same request thousands of times a second; an `async` call per request
/// costs a task hop to the event loop and back. Through `start` the next request is written from
/// the callback of the previous one, on the connection's own event loop
/// (`CaseExecutor+StartedLoad.swift`). Transports without it run load cases through `send`.
public protocol StartingHTTPTransport: HTTPTransport {
    /// Sends `request` and calls `done` once with its response or error, on whatever thread the
    /// response ended on (never synchronously inside `start`). The same checks, TLS, timeout and
    /// error classification as `send`.
    func start(_ request: HTTPRequestData, _ done: @escaping @Sendable (Result<HTTPResponseData, TransportError>) -> Void)
    /// Closes the connections of every started request still in flight (Ctrl-C): each ends
    /// with an error.
    func cancelStarted()
    /// A pool of at most `connections` connections of its own, for one open-model case.
    func makePool(connections: Int) -> any StartingPool
}
