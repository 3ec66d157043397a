#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import RehearseModel
import RehearseRuntime

/// A request's parsed target and HTTP head, kept for the next request that is the same. A class:
/// a start waiting in a pool's line holds it with one reference, not a copy of its strings.
final class PreparedRequest: Sendable {
    let method: String
    let url: String
    let headers: [(name: String, value: String)]
    let bodyCount: Int?
    let target: LoadTarget
    let head: HTTPRequestHead
    let key: NIOHTTP1LoadTransport.PoolKey
    let timeout: Duration
    /// The error of a request that timed out: its message is formatted once, not per request.
    let timeoutError: TransportError

    init(method: String, url: String, headers: [(name: String, value: String)], bodyCount: Int?, target: LoadTarget,
         head: HTTPRequestHead, key: NIOHTTP1LoadTransport.PoolKey, timeout: Duration, timeoutError: TransportError) {
        self.method = method
        self.url = url
        self.headers = headers
        self.bodyCount = bodyCount
        self.target = target
        self.head = head
        self.key = key
        self.timeout = timeout
        self.timeoutError = timeoutError
    }

    func matches(_ r: HTTPRequestData) -> Bool {
        // Strings of the same request share storage, so these compare without reading bytes.
        guard method == r.method, url == r.url, timeout == r.timeout, bodyCount == r.body?.count, headers.count == r.headers.count else { return false }
        for (a, b) in zip(headers, r.headers) where a.name != b.name || a.value != b.value { return false }
        return true
    }
}

/// What one thread (an event loop's, mostly) keeps between requests, so that the closed model's
/// next request, started from the callback of the last one, takes no lock: the request prepared
/// last, and the connection whose response callback is running. Touched by its own thread only.
final class LoadThreadState: @unchecked Sendable {
    var prepared: PreparedRequest?
    var freed: LoadConnection?
    var freedKey: NIOHTTP1LoadTransport.PoolKey?
}

extension NIOHTTP1LoadTransport: StartingHTTPTransport {
    var threadState: LoadThreadState {
        if let s = local.currentValue { return s }
        let s = LoadThreadState()
        local.currentValue = s
        return s
    }

    /// The request's target and head, parsed once per distinct request and thread (a load
    /// case's requests are all the same: parsing its URL each time was a seventh of the client's
    /// time); nil for URLs the fallback transport handles. Throws what `check` refuses.
    func prepare(_ request: HTTPRequestData) throws(TransportError) -> PreparedRequest? {
        let state = threadState
        if let ready = state.prepared, ready.matches(request) { return ready }
        guard let target = LoadTarget(request.url), !(target.https && tls == nil) else { return nil }
        try Self.check(request, endpoint: target.endpoint)
        let ready = PreparedRequest(method: request.method, url: request.url, headers: request.headers, bodyCount: request.body?.count,
                                    target: target, head: Self.head(request, target: target),
                                    key: PoolKey(host: target.endpoint.host, port: target.endpoint.port, tls: target.https),
                                    timeout: request.timeout,
                                    timeoutError: AsyncHTTPTransport.timeoutError(request.timeout, endpoint: target.endpoint))
        state.prepared = ready
        return ready
    }

    public func start(_ request: HTTPRequestData, _ done: @escaping @Sendable (Result<HTTPResponseData, TransportError>) -> Void) {
        let ready: PreparedRequest
        do throws(TransportError) {
            guard let r = try prepare(request) else {
                let fallback = self.fallback
                Task {
                    do throws(TransportError) { done(.success(try await fallback.send(request))) } catch { done(.failure(error)) }
                }
                return
            }
            ready = r
        } catch {
            group.next().execute { done(.failure(error)) }
            return
        }
        let started = ContinuousClock.now
        // Called from a response's callback: the connection it just freed, without a lock.
        let state = threadState
        if let c = state.freed, state.freedKey == ready.key {
            state.freed = nil
            if c.channel.isActive {
                exchange(c, ready, request, started: started, done)
                return
            }
        }
        while let c = idle.withLock({ $0[ready.key]?.popLast() }) {
            if c.channel.isActive {
                exchange(c, ready, request, started: started, done)
                return
            }
        }
        let epoch = cancellations.load(ordering: .relaxed)
        Task {
            let connection: LoadConnection
            do {
                connection = try await connect(ready.key, target: ready.target)
            } catch {
                done(.failure(AsyncHTTPTransport.classify(error, endpoint: ready.target.endpoint, timeout: request.timeout,
                                                          connectTimeout: options.connectTimeout)))
                return
            }
            let id = ObjectIdentifier(connection)
            let cancelled = startedConnections.withLock { open in
                open[id] = connection
                return cancellations.load(ordering: .relaxed) != epoch
            }
            connection.channel.closeFuture.whenComplete { [self] _ in startedConnections.withLock { _ = $0.removeValue(forKey: id) } }
            if cancelled {
                connection.channel.close(promise: nil)
                done(.failure(TransportError(.closed, "connection closed before a full response (\(ready.target.endpoint))")))
                return
            }
            exchange(connection, ready, request, started: started, done)
        }
    }

    public func cancelStarted() {
        let all = startedConnections.withLock { open in
            cancellations.add(1, ordering: .relaxed)
            return Array(open.values)
        }
        for c in all { c.channel.close(promise: nil) }
    }

    /// One request on a checked-out connection; `done` runs on its event loop when it ends. A
    /// connection of a `pool` goes back to the pool (to its first waiting start) before `done`.
    func exchange(_ c: LoadConnection, _ ready: PreparedRequest, _ request: HTTPRequestData, started: ContinuousClock.Instant,
                  pool: LoadStartPool? = nil, _ done: @escaping @Sendable (Result<HTTPResponseData, TransportError>) -> Void) {
        let endpoint = ready.target.endpoint
        let key = ready.key
        let remaining = request.timeout - (ContinuousClock.now - started)
        let future = c.send(head: ready.head, body: request.body, cap: options.maxBodyBytes, timeout: remaining,
                            timeoutError: ready.timeoutError)
        let options = self.options
        future.whenComplete { [self] result in
            switch result {
            case .failure(let error):
                c.channel.close(promise: nil)
                done(.failure(AsyncHTTPTransport.classify(error, endpoint: endpoint, timeout: request.timeout,
                                                          connectTimeout: options.connectTimeout)))
            case .success(let response):
                let body: [UInt8]
                do throws(ContentDecoding.Failure) {
                    body = try ContentDecoding.decode(response.body, contentEncoding: response.head.headers.first(name: "content-encoding"),
                                                      cap: options.maxBodyBytes)
                } catch {
                    if !response.keepAlive {
                        c.channel.close(promise: nil)
                    } else if let pool { pool.release(c) } else { checkIn(c, key) }
                    done(.failure(AsyncHTTPTransport.classify(error, endpoint: endpoint, cap: options.maxBodyBytes)))
                    return
                }
                let data = HTTPResponseData(status: Int(response.head.status.code),
                                            headers: response.head.headers.map { (name: $0.name, value: $0.value) },
                                            body: body, duration: ContinuousClock.now - started)
                guard response.keepAlive else {
                    c.channel.close(promise: nil)
                    done(.success(data))
                    return
                }
                if let pool {
                    pool.release(c)
                    done(.success(data))
                    return
                }
                // Offered to a request that `done` starts on this thread; back on the stack if
                // none took it.
                let state = threadState
                state.freed = c
                state.freedKey = key
                done(.success(data))
                if state.freed === c {
                    state.freed = nil
                    checkIn(c, key)
                }
            }
        }
    }
}
