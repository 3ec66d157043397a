/// The open model's connections to its host: at most `connections` of them, opened as starts
/// need them (a few connects under way at once), and a start that finds none idle waits in line
/// (first in, first out) for the next one a response frees. The wait is part of the request's
/// latency, which the open model counts from when the request was due; a waiting start counts
/// as in flight, so `max_in_flight` still drops starts beyond it.
///
/// Without a bound, a burst of starts (a timer waking late makes every request due meanwhile
/// start at once) opened one connection per start, and hundreds of connects at once collapsed
/// the rate (docs/performance.md). The closed model does not use a pool: each of its slots keeps
/// its own connection.
public protocol StartingPool: Sendable {
    /// As `StartingHTTPTransport.start`, on one of the pool's connections.
    func start(_ request: HTTPRequestData, _ done: @escaping @Sendable (Result<HTTPResponseData, TransportError>) -> Void)
    /// Calls `tick` on the event loop the pool's starts are made from, at once and then again
    /// after each wait it returns, until it returns nil; returns then. The open model's schedule
    /// runs on it: an event-loop timer, and a start written from the loop of its connection
    /// without a hop when the pool has one idle there.
    func drive(_ tick: @escaping @Sendable () -> Duration?) async
    /// Ctrl-C: closes the pool's connections (requests on them end with an error), fails the
    /// starts waiting for one, and runs a pending `drive` tick at once.
    func cancel()
    /// The case is over: closes the pool's connections.
    func close()
}
