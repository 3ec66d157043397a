#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOCore
import NIOPosix
import Synchronization
import RehearseModel
import RehearseRuntime

extension NIOHTTP1LoadTransport {
    public func makePool(connections: Int) -> any StartingPool {
        LoadStartPool(transport: self, limit: max(connections, 1))
    }

    /// The thread the open model's schedules tick on. It does nothing else: a thread that also
    /// reads and writes the responses woke later under load (docs/performance.md).
    static let timerLoop: any EventLoop = MultiThreadedEventLoopGroup(numberOfThreads: 1).next()
}

/// The open model's bounded connections (`StartingPool`): at most `limit` connections to the
/// case's host, at most `maxConnecting` connects under way, and the starts that find no idle
/// connection waiting first in, first out. A connection a response frees goes to the first
/// waiting start at once, on the connection's event loop (no hop); a new connection likewise.
final class LoadStartPool: StartingPool {
    /// Connects under way at once: a burst of starts grows the pool a few connections at a time
    /// while the connections it has serve the line.
    static let maxConnecting = 4

    /// A start waiting for a connection. `started` is when it was started: its timeout runs from
    /// then, and its latency (measured by the caller) from when it was due.
    struct Waiter {
        var ready: PreparedRequest
        var request: HTTPRequestData
        var started: ContinuousClock.Instant
        var done: @Sendable (Result<HTTPResponseData, TransportError>) -> Void
    }

    struct State {
        /// The request the pool serves (its host); a request to another host is started outside.
        var prepared: PreparedRequest?
        var idle: [LoadConnection] = []
        var open: [ObjectIdentifier: LoadConnection] = [:]
        var connecting = 0
        var waiting = CircularBuffer<Waiter>()
        var closed = false
        /// Connections opened and starts that waited, over the pool's life (tests read them).
        var opened = 0
        var waited = 0

        /// Connects to begin now: one per waiting start not already covered by a connect under
        /// way, within the pool's size and `maxConnecting`.
        mutating func connectsDue(limit: Int) -> Int {
            var n = 0
            while !closed, waiting.count > connecting, open.count + connecting < limit, connecting < LoadStartPool.maxConnecting {
                connecting += 1
                n += 1
            }
            return n
        }
    }

    let transport: NIOHTTP1LoadTransport
    let limit: Int
    let state = Mutex(State())
    /// The thread `drive` ticks on (`NIOHTTP1LoadTransport.timerLoop`, shared by every pool).
    let loop: any EventLoop
    let ticker = Mutex<LoadTicker?>(nil)

    init(transport: NIOHTTP1LoadTransport, limit: Int) {
        self.transport = transport
        self.limit = limit
        self.loop = NIOHTTP1LoadTransport.timerLoop
    }

    func drive(_ tick: @escaping @Sendable () -> Duration?) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let t = LoadTicker(loop: loop, tick: tick) { c.resume() }
            ticker.withLock { $0 = t }
            loop.execute { t.fire() }
        }
    }

    func start(_ request: HTTPRequestData, _ done: @escaping @Sendable (Result<HTTPResponseData, TransportError>) -> Void) {
        let ready: PreparedRequest
        do throws(TransportError) {
            // URLs the lean client does not handle go to the fallback, as without a pool.
            guard let r = try transport.prepare(request) else { return transport.start(request, done) }
            ready = r
        } catch {
            transport.group.next().execute { done(.failure(error)) }
            return
        }
        enum Next { case use(LoadConnection), wait(connects: Int), closed, elsewhere }
        let started = ContinuousClock.now
        let next = state.withLock { s -> Next in
            if s.closed { return .closed }
            if let p = s.prepared {
                guard p.key == ready.key else { return .elsewhere }
            } else {
                s.prepared = ready
            }
            while !s.idle.isEmpty {
                // One on this thread's loop if there is one: its request is written at once.
                let c = s.idle.remove(at: s.idle.lastIndex { $0.channel.eventLoop.inEventLoop } ?? s.idle.count - 1)
                if c.channel.isActive { return .use(c) }
            }
            s.waiting.append(Waiter(ready: ready, request: request, started: started, done: done))
            s.waited += 1
            return .wait(connects: s.connectsDue(limit: limit))
        }
        switch next {
        case .use(let c):
            let loop = c.channel.eventLoop
            if loop.inEventLoop {
                transport.exchange(c, ready, request, started: started, pool: self, done)
                return
            }
            // The whole exchange on its connection's loop (its write and its callback), the
            // starts of one tick gathered into one hop per loop.
            let work: @Sendable () -> Void = { [self] in transport.exchange(c, ready, request, started: started, pool: self, done) }
            if self.loop.inEventLoop, let t = ticker.withLock({ $0 }) { t.gather(loop, work) } else { loop.execute(work) }
        case .wait(let connects):
            for _ in 0..<connects { connect(ready) }
        case .closed:
            transport.group.next().execute { done(.failure(Self.closedError(ready))) }
        case .elsewhere:
            transport.start(request, done)
        }
    }

    /// Opens one connection; it goes to the first waiting start. A failed connect fails the first
    /// waiting start with the connect's error (as a start that connected itself would have).
    private func connect(_ ready: PreparedRequest) {
        let transport = self.transport
        Task {
            let connection: LoadConnection
            do {
                connection = try await transport.connect(ready.key, target: ready.target)
            } catch {
                let (failed, more) = state.withLock { s -> (Waiter?, Int) in
                    s.connecting -= 1
                    return (s.waiting.popFirst(), s.connectsDue(limit: limit))
                }
                for _ in 0..<more { connect(ready) }
                if let failed {
                    failed.done(.failure(AsyncHTTPTransport.classify(error, endpoint: ready.target.endpoint, timeout: failed.request.timeout,
                                                                     connectTimeout: transport.options.connectTimeout)))
                }
                return
            }
            let id = ObjectIdentifier(connection)
            let kept = state.withLock { s -> Bool in
                s.connecting -= 1
                guard !s.closed else { return false }
                s.open[id] = connection
                s.opened += 1
                return true
            }
            guard kept else {
                connection.channel.close(promise: nil)
                return
            }
            connection.channel.closeFuture.whenComplete { [self] _ in closed(connection) }
            connection.channel.eventLoop.execute { [self] in release(connection) }
        }
    }

    /// A connection is free (a response ended on it, or it was just opened): the first waiting
    /// start takes it, else it waits idle. A start that waited past its timeout fails without it.
    func release(_ c: LoadConnection) {
        enum Next { case send(Waiter), idle, close }
        var expired: [Waiter] = []
        let now = ContinuousClock.now
        let next = state.withLock { s -> Next in
            if s.closed { return .close }
            while let w = s.waiting.popFirst() {
                if now - w.started < w.request.timeout { return .send(w) }
                expired.append(w)
            }
            s.idle.append(c)
            return .idle
        }
        switch next {
        case .send(let w): transport.exchange(c, w.ready, w.request, started: w.started, pool: self, w.done)
        case .idle: break
        case .close: c.channel.close(promise: nil)
        }
        for w in expired { w.done(.failure(w.ready.timeoutError)) }
    }

    /// A connection closed (an error, a timeout, the server's `Connection: close`): it leaves the
    /// pool, and a start still waiting gets a new one.
    private func closed(_ c: LoadConnection) {
        let (connects, prepared) = state.withLock { s -> (Int, PreparedRequest?) in
            s.open.removeValue(forKey: ObjectIdentifier(c))
            s.idle.removeAll { $0 === c }
            return (s.connectsDue(limit: limit), s.prepared)
        }
        if let prepared { for _ in 0..<connects { connect(prepared) } }
    }

    func cancel() {
        shut()
        ticker.withLock { $0 }?.wake()
    }

    func close() { shut() }

    /// Closes every connection and fails every waiting start; later starts fail at once.
    private func shut() {
        let (connections, waiters) = state.withLock { s -> ([LoadConnection], [Waiter]) in
            s.closed = true
            s.idle = []
            var waiters: [Waiter] = []
            while let w = s.waiting.popFirst() { waiters.append(w) }
            return (Array(s.open.values), waiters)
        }
        for c in connections { c.channel.close(promise: nil) }
        for w in waiters { w.done(.failure(Self.closedError(w.ready))) }
    }

    static func closedError(_ ready: PreparedRequest) -> TransportError {
        TransportError(.closed, "connection closed before a full response (\(ready.target.endpoint))")
    }

    /// Connections open now, connections opened over the pool's life, and starts that waited.
    var counts: (open: Int, opened: Int, waited: Int) { state.withLock { ($0.open.count, $0.opened, $0.waited) } }
}

/// `drive`'s timer: each tick runs on `loop` and says how long until the next. Its state is
/// touched on that loop only (hence `@unchecked Sendable`).
final class LoadTicker: @unchecked Sendable {
    let loop: any EventLoop
    private var tick: (@Sendable () -> Duration?)?
    private let finished: @Sendable () -> Void
    private var pending: Scheduled<Void>?
    /// Work for other loops from the tick running now, sent at its end: one hop per loop.
    private var gathered: [(loop: any EventLoop, work: [@Sendable () -> Void])] = []

    init(loop: any EventLoop, tick: @escaping @Sendable () -> Duration?, finished: @escaping @Sendable () -> Void) {
        self.loop = loop
        self.tick = tick
        self.finished = finished
    }

    func fire() {
        pending = nil
        guard let tick else { return }
        let wait = tick()
        for (target, work) in gathered { target.execute { for w in work { w() } } }
        gathered = []
        guard let wait else {
            self.tick = nil
            finished()
            return
        }
        pending = loop.scheduleTask(in: .nanoseconds(AsyncHTTPTransport.nanoseconds(wait))) { [self] in fire() }
    }

    /// Runs `work` on `target` when the tick running now ends (called on `loop`, in a tick).
    func gather(_ target: any EventLoop, _ work: @escaping @Sendable () -> Void) {
        if let i = gathered.firstIndex(where: { $0.loop === target }) { gathered[i].work.append(work) } else {
            gathered.append((target, [work]))
        }
    }

    /// The pending tick runs now (after Ctrl-C it sees the cancellation and ends the schedule).
    func wake() {
        loop.execute { [self] in
            guard let p = pending else { return }
            p.cancel()
            fire()
        }
    }
}
