import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import RehearseModel
import RehearseRuntime

/// Server-Sent Events over the run's pooled client (spec §8). The request's timeout bounds the
/// connect and the wait for the response head; after that the stream is read for as long as
/// the steps want, and closed by the client when they are done.
extension AsyncHTTPTransport: SSETransport {
    public func open(_ request: HTTPRequestData) async throws(TransportError) -> SSEOpening {
        let endpoint = try TransportEndpoint(url: request.url)
        let prepared = try prepare(request, endpoint: endpoint)
        if Task.isCancelled { throw TransportError(.cancelled, "request cancelled (\(endpoint))") }
        let sentAt = ContinuousClock.now
        let delegate = SSEStreamDelegate(cap: options.maxBodyBytes, endpoint: endpoint)
        // No deadline: AHC's would end a healthy stream; the head has its own timer below.
        let task = client.execute(request: prepared, delegate: delegate)
        delegate.attach(task)
        let head: SSEStreamDelegate.Head
        do {
            head = try await withTaskCancellationHandler {
                try await delegate.head(timeout: request.timeout)
            } onCancel: {
                task.cancel()
            }
        } catch {
            task.cancel()
            if Task.isCancelled { throw TransportError(.cancelled, "request cancelled (\(endpoint))") }
            throw Self.classify(error, endpoint: endpoint, timeout: request.timeout, connectTimeout: options.connectTimeout)
        }
        let headers = head.head.headers.map { (name: $0.name, value: $0.value) }
        let status = Int(head.head.status.code)
        if head.isStream {
            return .stream(status: status, headers: headers, stream: delegate, sentAt: sentAt, headDuration: ContinuousClock.now - sentAt)
        }
        let raw: [UInt8]
        do {
            raw = try await withTaskCancellationHandler {
                try await task.futureResult.get()
                return delegate.takeBody()
            } onCancel: {
                task.cancel()
            }
        } catch {
            throw Self.classify(error, endpoint: endpoint, timeout: request.timeout, connectTimeout: options.connectTimeout)
        }
        let body: [UInt8]
        do {
            body = try ContentDecoding.decode(raw, contentEncoding: head.head.headers.first(name: "content-encoding"),
                                              cap: options.maxBodyBytes)
        } catch {
            throw Self.classify(error, endpoint: endpoint, cap: options.maxBodyBytes)
        }
        return .response(HTTPResponseData(status: status, headers: headers, body: body, duration: ContinuousClock.now - sentAt))
    }
}

/// Reads one SSE response on the event loop AHC calls it on. A `text/event-stream` 2xx body is
/// parsed as it arrives, each event stamped with the instant its bytes came off the socket and
/// queued for `next`; any other body is gathered under the size cap. When the queue is long
/// the delegate stops reading (AHC's back-pressure) until the engine catches up, so a fast
/// server cannot fill memory; one event is capped at the body cap.
final class SSEStreamDelegate: HTTPClientResponseDelegate, MessageStream, @unchecked Sendable {
    typealias Response = Void

    struct Head: Sendable {
        var head: HTTPResponseHead
        var isStream: Bool
    }

    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<StreamEvent, Never>
        var timer: Scheduled<Void>?
    }

    private struct State {
        var task: HTTPClient.Task<Void>?
        var head: Result<Head, any Error>?
        var headWaiter: CheckedContinuation<Head, any Error>?
        var headTimer: Scheduled<Void>?
        var isStream = false
        var body: [UInt8] = []
        var parser: SSEParser
        var queue = CircularBuffer<StreamMessage>()
        var end: StreamEnd?
        var waiter: Waiter?
        var nextWaiterID: UInt64 = 0
        var paused: EventLoopPromise<Void>?
        var closedByClient = false
        /// The longest the queue has been, for tests of the back-pressure.
        var peakQueued = 0
    }

    /// Reading pauses at `highWater` queued messages and resumes at `lowWater`.
    static let highWater = 4096
    static let lowWater = 1024

    private let cap: Int
    private let endpoint: TransportEndpoint
    private let state: NIOLockedValueBox<State>

    init(cap: Int, endpoint: TransportEndpoint) {
        self.cap = cap
        self.endpoint = endpoint
        self.state = NIOLockedValueBox(State(parser: SSEParser(maxEventBytes: cap)))
    }

    func attach(_ task: HTTPClient.Task<Void>) {
        state.withLockedValue { $0.task = task }
    }

    /// Waits for the response head, at most `timeout`.
    func head(timeout: Duration) async throws -> Head {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Head, any Error>) in
            let ready = state.withLockedValue { s -> Result<Head, any Error>? in
                if let head = s.head { return head }
                s.headWaiter = continuation
                s.headTimer = s.task?.eventLoop.scheduleTask(in: .nanoseconds(AsyncHTTPTransport.nanoseconds(timeout))) { [self] in
                    deliverHead(.failure(TransportError(.timeout, "no response head within \(DurationParser.format(timeout)) (\(endpoint))")))
                    state.withLockedValue { $0.task }?.cancel()
                }
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }

    private func deliverHead(_ result: Result<Head, any Error>) {
        let (waiter, timer) = state.withLockedValue { s -> (CheckedContinuation<Head, any Error>?, Scheduled<Void>?) in
            guard s.head == nil else { return (nil, nil) }
            s.head = result
            defer { s.headWaiter = nil; s.headTimer = nil }
            return (s.headWaiter, s.headTimer)
        }
        timer?.cancel()
        waiter?.resume(with: result)
    }

    var peakQueued: Int { state.withLockedValue { $0.peakQueued } }

    func takeBody() -> [UInt8] {
        state.withLockedValue { s in
            defer { s.body = [] }
            return s.body
        }
    }

    // MARK: AHC callbacks, on the event loop

    func didReceiveHead(task: HTTPClient.Task<Void>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        let type = head.headers.first(name: "content-type")?.lowercased() ?? ""
        let isStream = (200..<300).contains(Int(head.status.code)) && type.contains("text/event-stream")
        state.withLockedValue { $0.isStream = isStream }
        deliverHead(.success(Head(head: head, isStream: isStream)))
        if !isStream, let value = head.headers.first(name: "content-length"), let length = Int(value), length > cap {
            return task.eventLoop.makeFailedFuture(AsyncHTTPTransport.BodyCapExceeded(cap: cap))
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Void>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        // Stamped here, where the bytes come off the socket: not when the engine gets to them.
        let arrival = ContinuousClock.now
        enum Next { case go, fail(any Error), pause(EventLoopPromise<Void>) }
        var ready: (Waiter, StreamEvent)?
        let next = state.withLockedValue { s -> Next in
            guard s.isStream else {
                guard buffer.readableBytes <= cap - s.body.count else { return .fail(AsyncHTTPTransport.BodyCapExceeded(cap: cap)) }
                s.body.append(contentsOf: buffer.readableBytesView)
                return .go
            }
            if s.closedByClient { return .go }
            var events: [SSEEvent] = []
            do {
                try buffer.withUnsafeReadableBytes { raw in try s.parser.feed(raw) { events.append($0) } }
            } catch {
                s.end = .tooLarge(limit: cap)
            }
            for e in events {
                s.queue.append(StreamMessage(event: e.event, id: e.id, bytes: e.dataBytes, arrival: arrival))
            }
            if let w = s.waiter, let event = s.queue.popFirst().map(StreamEvent.message) ?? s.end.map(StreamEvent.ended) {
                s.waiter = nil
                ready = (w, event)
            }
            if case .tooLarge = s.end { return .fail(AsyncHTTPTransport.BodyCapExceeded(cap: cap)) }
            s.peakQueued = max(s.peakQueued, s.queue.count)
            if s.queue.count >= Self.highWater {
                let promise = task.eventLoop.makePromise(of: Void.self)
                s.paused = promise
                return .pause(promise)
            }
            return .go
        }
        if let (w, event) = ready {
            w.timer?.cancel()
            w.continuation.resume(returning: event)
        }
        switch next {
        case .go: return task.eventLoop.makeSucceededVoidFuture()
        case .fail(let error): return task.eventLoop.makeFailedFuture(error)
        case .pause(let promise): return promise.futureResult
        }
    }

    func didFinishRequest(task: HTTPClient.Task<Void>) throws {
        finish(.finished)
    }

    func didReceiveError(task: HTTPClient.Task<Void>, _ error: any Error) {
        deliverHead(.failure(error))
        let why: String
        switch error {
        case is AsyncHTTPTransport.BodyCapExceeded: why = "too large"
        case let e as HTTPClientError where e == .cancelled: why = "cancelled"
        default: why = AsyncHTTPTransport.classify(error, endpoint: endpoint, timeout: .zero, connectTimeout: .zero).message
        }
        finish(.failed(why))
    }

    /// The stream ended; a waiting `next` hears it once the queue is drained.
    private func finish(_ end: StreamEnd) {
        let ready = state.withLockedValue { s -> (Waiter, StreamEvent)? in
            if s.end == nil { s.end = s.closedByClient ? .finished : end }
            guard let w = s.waiter else { return nil }
            s.waiter = nil
            return (w, s.queue.popFirst().map(StreamEvent.message) ?? .ended(s.end!))
        }
        if let (w, event) = ready {
            w.timer?.cancel()
            w.continuation.resume(returning: event)
        }
    }

    // MARK: MessageStream, for the engine

    /// An interrupt (task cancellation) ends the wait at once, as a timeout the engine then reads
    /// as the run's interrupt.
    func next(within: Duration) async -> StreamEvent {
        // The common case under load: a message is already queued, so no continuation is needed.
        var resume: EventLoopPromise<Void>?
        let queued = state.withLockedValue { s -> StreamMessage? in
            guard let m = s.queue.popFirst() else { return nil }
            if s.queue.count <= Self.lowWater, let p = s.paused {
                s.paused = nil
                resume = p
            }
            return m
        }
        resume?.succeed(())
        if let queued { return .message(queued) }
        return await withTaskCancellationHandler {
            await wait(within: within)
        } onCancel: {
            expire(nil)
        }
    }

    private func wait(within: Duration) async -> StreamEvent {
        var resume: EventLoopPromise<Void>?
        let event = await withCheckedContinuation { (continuation: CheckedContinuation<StreamEvent, Never>) in
            let immediate = state.withLockedValue { s -> StreamEvent? in
                if let m = s.queue.popFirst() {
                    if s.queue.count <= Self.lowWater, let p = s.paused {
                        s.paused = nil
                        resume = p
                    }
                    return .message(m)
                }
                if let end = s.end { return .ended(end) }
                guard within > .zero, !Task.isCancelled, let loop = s.task?.eventLoop else { return .timedOut }
                s.nextWaiterID += 1
                let id = s.nextWaiterID
                let timer = loop.scheduleTask(in: .nanoseconds(AsyncHTTPTransport.nanoseconds(within))) { [self] in expire(id) }
                s.waiter = Waiter(id: id, continuation: continuation, timer: timer)
                return nil
            }
            if let immediate { continuation.resume(returning: immediate) }
        }
        resume?.succeed(())
        return event
    }

    /// Ends the wait `id` (nil: whichever wait is pending) with a timeout.
    private func expire(_ id: UInt64?) {
        let waiter = state.withLockedValue { s -> Waiter? in
            guard let w = s.waiter, id == nil || w.id == id else { return nil }
            s.waiter = nil
            return w
        }
        waiter?.timer?.cancel()
        waiter?.continuation.resume(returning: .timedOut)
    }

    func close() async {
        let (task, paused) = state.withLockedValue { s -> (HTTPClient.Task<Void>?, EventLoopPromise<Void>?) in
            s.closedByClient = true
            if s.end == nil { s.end = .finished }
            s.queue.removeAll()
            defer { s.paused = nil }
            return (s.task, s.paused)
        }
        paused?.succeed(())
        task?.cancel()
    }
}
