import AsyncHTTPClient
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
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
/// parsed as it arrives, each event stamped with the instant its bytes came off the socket, and
/// the events of one body part queued together for `next`/`nextBatch`; any other body is gathered
/// under the size cap. When the queue is long the delegate stops reading (AHC's back-pressure)
/// until the engine catches up, so a fast server cannot fill memory; one event is capped at the
/// body cap.
final class SSEStreamDelegate: HTTPClientResponseDelegate, MessageStream, @unchecked Sendable {
    typealias Response = Void

    struct Head: Sendable {
        var head: HTTPResponseHead
        var isStream: Bool
    }

    /// A pending wait: resumed with true when there is something to take (messages or the end),
    /// false when its time ran out or it was interrupted.
    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Bool, Never>
        var timer: Scheduled<Void>?
    }

    private struct State {
        var task: HTTPClient.Task<Void>?
        var head: Result<Head, any Error>?
        var headWaiter: CheckedContinuation<Head, any Error>?
        var headTimer: Scheduled<Void>?
        var isStream = false
        var body: [UInt8] = []
        /// The events of each body part, in arrival order; `firstTaken` of the first are read.
        var queue = CircularBuffer<StreamMessageBatch>()
        var firstTaken = 0
        /// Messages in `queue` not yet read: what the back-pressure counts.
        var queued = 0
        var end: StreamEnd?
        var waiter: Waiter?
        var nextWaiterID: UInt64 = 0
        var paused: EventLoopPromise<Void>?
        var closedByClient = false
        /// The longest the queue has been, for tests of the back-pressure.
        var peakQueued = 0

        mutating func popMessage() -> StreamMessage? {
            guard let first = queue.first else { return nil }
            let m = first[firstTaken]
            firstTaken += 1
            queued -= 1
            if firstTaken == first.count {
                queue.removeFirst()
                firstTaken = 0
            }
            return m
        }

        mutating func popBatch() -> StreamMessageBatch? {
            guard let first = queue.popFirst() else { return nil }
            defer { firstTaken = 0 }
            queued -= first.count - firstTaken
            return first.dropFirst(firstTaken)
        }

        /// Reading resumes once the engine has brought the queue down to `lowWater`.
        mutating func resumeIfDrained() -> EventLoopPromise<Void>? {
            guard queued <= SSEStreamDelegate.lowWater, let p = paused else { return nil }
            paused = nil
            return p
        }
    }

    /// Reading pauses at `highWater` queued messages and resumes at `lowWater`.
    static let highWater = 4096
    static let lowWater = 1024

    private let cap: Int
    private let endpoint: TransportEndpoint
    private let state: NIOLockedValueBox<State>
    /// Touched only in `didReceiveBodyPart`, which AHC calls on one event loop one part at a
    /// time, so it is parsed outside the lock and the engine never waits for a parse.
    private var parser: SSEParser

    init(cap: Int, endpoint: TransportEndpoint) {
        self.cap = cap
        self.endpoint = endpoint
        self.state = NIOLockedValueBox(State())
        self.parser = SSEParser(maxEventBytes: cap)
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
        enum Mode { case stream, closed, body(failed: Bool) }
        let mode = state.withLockedValue { s -> Mode in
            if s.isStream { return s.closedByClient ? .closed : .stream }
            guard buffer.readableBytes <= cap - s.body.count else { return .body(failed: true) }
            s.body.append(contentsOf: buffer.readableBytesView)
            return .body(failed: false)
        }
        switch mode {
        case .closed, .body(failed: false): return task.eventLoop.makeSucceededVoidFuture()
        case .body(failed: true): return task.eventLoop.makeFailedFuture(AsyncHTTPTransport.BodyCapExceeded(cap: cap))
        case .stream: break
        }
        var overflow = false
        do {
            try buffer.withUnsafeReadableBytes { raw in try parser.feed(raw) }
        } catch {
            overflow = true
        }
        // The part's events packed together (one store for their data), as one batch.
        let events = parser.takeEvents().map { StreamMessageBatch(events: $0, arrival: arrival) }
        enum Next { case go, fail, pause(EventLoopPromise<Void>) }
        var ready: Waiter?
        let next = state.withLockedValue { s -> Next in
            if s.closedByClient { return .go }
            if let events {
                s.queued += events.count
                s.queue.append(events)
            }
            if overflow { s.end = .tooLarge(limit: cap) }
            if s.queued > 0 || s.end != nil, let w = s.waiter {
                s.waiter = nil
                ready = w
            }
            if overflow { return .fail }
            s.peakQueued = max(s.peakQueued, s.queued)
            if s.queued >= Self.highWater {
                let promise = task.eventLoop.makePromise(of: Void.self)
                s.paused = promise
                return .pause(promise)
            }
            return .go
        }
        if let w = ready {
            w.timer?.cancel()
            w.continuation.resume(returning: true)
        }
        switch next {
        case .go: return task.eventLoop.makeSucceededVoidFuture()
        case .fail: return task.eventLoop.makeFailedFuture(AsyncHTTPTransport.BodyCapExceeded(cap: cap))
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
        let ready = state.withLockedValue { s -> Waiter? in
            if s.end == nil { s.end = s.closedByClient ? .finished : end }
            defer { s.waiter = nil }
            return s.waiter
        }
        if let w = ready {
            w.timer?.cancel()
            w.continuation.resume(returning: true)
        }
    }

    // MARK: MessageStream, for the engine

    /// An interrupt (task cancellation) ends the wait at once, as a timeout the engine then reads
    /// as the run's interrupt.
    func next(within: Duration) async -> StreamEvent {
        if let event = take({ $0.popMessage() }) { return event.map(StreamEvent.message, StreamEvent.ended) }
        guard await wait(within: within), let event = take({ $0.popMessage() }) else { return .timedOut }
        return event.map(StreamEvent.message, StreamEvent.ended)
    }

    /// Every event of the first queued body part at once: one lock and no continuation per event.
    func nextBatch(within: Duration) async -> StreamBatch {
        if let batch = take({ $0.popBatch() }) { return batch.map(StreamBatch.messages, StreamBatch.ended) }
        guard await wait(within: within), let batch = take({ $0.popBatch() }) else { return .timedOut }
        return batch.map(StreamBatch.messages, StreamBatch.ended)
    }

    /// What is queued (by `pop`), else the end once the queue is drained; nil: nothing yet.
    private func take<T>(_ pop: (inout State) -> T?) -> Taken<T>? {
        var resume: EventLoopPromise<Void>?
        let taken = state.withLockedValue { s -> Taken<T>? in
            if let value = pop(&s) {
                resume = s.resumeIfDrained()
                return .value(value)
            }
            return s.end.map(Taken.end)
        }
        resume?.succeed(())
        return taken
    }

    private enum Taken<T> {
        case value(T)
        case end(StreamEnd)

        func map<R>(_ value: (T) -> R, _ end: (StreamEnd) -> R) -> R {
            switch self {
            case .value(let v): return value(v)
            case .end(let e): return end(e)
            }
        }
    }

    /// Waits until there is something to take; false when `within` ran out or the task was
    /// interrupted first (an interrupt ends the wait at once).
    private func wait(within: Duration) async -> Bool {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let immediate = state.withLockedValue { s -> Bool? in
                    if s.queued > 0 || s.end != nil { return true }
                    guard within > .zero, !Task.isCancelled, let loop = s.task?.eventLoop else { return false }
                    s.nextWaiterID += 1
                    let id = s.nextWaiterID
                    let timer = loop.scheduleTask(in: .nanoseconds(AsyncHTTPTransport.nanoseconds(within))) { [self] in expire(id) }
                    s.waiter = Waiter(id: id, continuation: continuation, timer: timer)
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            expire(nil)
        }
    }

    /// Ends the wait `id` (nil: whichever wait is pending) as timed out.
    private func expire(_ id: UInt64?) {
        let waiter = state.withLockedValue { s -> Waiter? in
            guard let w = s.waiter, id == nil || w.id == id else { return nil }
            s.waiter = nil
            return w
        }
        waiter?.timer?.cancel()
        waiter?.continuation.resume(returning: false)
    }

    func close() async {
        let (task, paused) = state.withLockedValue { s -> (HTTPClient.Task<Void>?, EventLoopPromise<Void>?) in
            s.closedByClient = true
            if s.end == nil { s.end = .finished }
            s.queue.removeAll()
            s.firstTaken = 0
            s.queued = 0
            defer { s.paused = nil }
            return (s.task, s.paused)
        }
        paused?.succeed(())
        task?.cancel()
    }
}
