#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOCore
import NIOWebSocket
import Synchronization
import WebSocketKit
import RehearseModel
import RehearseRuntime

/// One accepted websocket-kit connection as a `WebSocketConnection`: websocket-kit pushes
/// messages into callbacks, and this keeps them in an inbox that `receive` pulls from with a
/// deadline, so a message that arrives between two steps is never lost and a silent server
/// costs exactly `within`.
final class WebSocketKitConnection: StampedWebSocketConnection {
    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<(WebSocketEvent, ContinuousClock.Instant?), Never>
        var timer: Scheduled<Void>?
    }

    private struct State {
        var socket: WebSocket?
        /// The handshake timed out on our side: close the socket if it is accepted after all.
        var abandoned = false
        /// Messages with the instant they came off the socket.
        var inbox: [(WebSocketMessage, ContinuousClock.Instant)] = []
        var closed = false
        var closeCode: Int?
        /// A message over `maxMessageBytes` arrived (the reason the connection closed).
        var tooLarge = false
        var waiter: Waiter?
        var nextWaiterID: UInt64 = 0
        var onClosed: [@Sendable () -> Void] = []
    }

    let endpoint: TransportEndpoint
    private let closeGrace: Duration
    private let maxMessageBytes: Int
    private let state = Mutex(State())

    private let attached: EventLoopPromise<Void>

    /// `attached` is succeeded once the socket is attached (websocket-kit reports the upgrade
    /// before it hands over the socket).
    init(endpoint: TransportEndpoint, closeGrace: Duration, maxMessageBytes: Int, attached: EventLoopPromise<Void>) {
        self.endpoint = endpoint
        self.closeGrace = closeGrace
        self.maxMessageBytes = maxMessageBytes
        self.attached = attached
    }

    /// The event a closed connection reports.
    private static func closedEvent(_ s: State, limit: Int) -> WebSocketEvent {
        s.tooLarge ? .messageTooLarge(limit: limit) : .closed(code: s.closeCode)
    }

    /// Called on the channel's event loop as soon as the upgrade completed.
    func attach(_ socket: WebSocket) {
        // The synchronous overloads: the async ones register on a later loop tick, after which
        // a greeting that came with the 101 response would already have been dropped.
        socket.onText { [self] _, text in deliver(.text(text)) }
        socket.onBinary { [self] _, buffer in deliver(.binary(Array(buffer.readableBytesView))) }
        socket.onClose.whenComplete { [self] _ in finish(code: socket.closeCode.map { Int(UInt16(webSocketErrorCode: $0)) }) }
        FrameLimitWatcher.install(on: socket) { [self] in state.withLock { $0.tooLarge = true } }
        let abandoned = state.withLock { s in
            s.socket = socket
            return s.abandoned
        }
        if abandoned { socket.close(code: .goingAway, promise: nil) }
        attached.succeed(())
    }

    /// The handshake was given up on; a socket that still arrives is closed at once.
    func abandon() {
        let socket = state.withLock { s in
            s.abandoned = true
            return s.socket
        }
        socket?.close(code: .goingAway, promise: nil)
    }

    func onClosed(_ callback: @escaping @Sendable () -> Void) {
        let already = state.withLock { s in
            if !s.closed { s.onClosed.append(callback) }
            return s.closed
        }
        if already { callback() }
    }

    private func deliver(_ message: WebSocketMessage) {
        let arrival = ContinuousClock.now
        let waiter = state.withLock { s -> Waiter? in
            guard let w = s.waiter else {
                s.inbox.append((message, arrival))
                return nil
            }
            s.waiter = nil
            return w
        }
        waiter?.timer?.cancel()
        waiter?.continuation.resume(returning: (.message(message), arrival))
    }

    private func finish(code: Int?) {
        let (waiter, callbacks) = state.withLock { s -> (Waiter?, [@Sendable () -> Void]) in
            guard !s.closed else { return (nil, []) }
            s.closed = true
            // websocket-kit records the code of whichever side closed first.
            if s.closeCode == nil { s.closeCode = code }
            // Dropping the socket breaks the cycle through its callbacks, which hold `self`.
            defer { s.waiter = nil; s.onClosed = []; s.socket = nil }
            return (s.waiter, s.onClosed)
        }
        let event = state.withLock { Self.closedEvent($0, limit: maxMessageBytes) }
        waiter?.timer?.cancel()
        waiter?.continuation.resume(returning: (event, nil))
        callbacks.forEach { $0() }
    }

    private func expire(_ id: UInt64) {
        let waiter = state.withLock { s -> Waiter? in
            guard let w = s.waiter, w.id == id else { return nil }
            s.waiter = nil
            return w
        }
        waiter?.continuation.resume(returning: (.timedOut, nil))
    }

    func send(text: String) async throws(TransportError) {
        let socket = state.withLock { $0.closed ? nil : $0.socket }
        guard let socket else { throw TransportError(.closed, "the connection is closed (\(endpoint))") }
        let promise = socket.eventLoop.makePromise(of: Void.self)
        socket.send(text, promise: promise)
        do { try await promise.futureResult.get() } catch {
            throw TransportError(.closed, "could not send: the connection is closed (\(endpoint))")
        }
    }

    func receive(within: Duration) async -> WebSocketEvent {
        await receiveStamped(within: within).0
    }

    func receiveStamped(within: Duration) async -> (WebSocketEvent, ContinuousClock.Instant?) {
        await withCheckedContinuation { (continuation: CheckedContinuation<(WebSocketEvent, ContinuousClock.Instant?), Never>) in
            let immediate = state.withLock { s -> (WebSocketEvent, ContinuousClock.Instant?)? in
                if !s.inbox.isEmpty {
                    let (m, at) = s.inbox.removeFirst()
                    return (.message(m), at)
                }
                if s.closed { return (Self.closedEvent(s, limit: maxMessageBytes), nil) }
                guard within > .zero, let socket = s.socket else { return (.timedOut, nil) }
                s.nextWaiterID += 1
                let id = s.nextWaiterID
                // Scheduling only enqueues on the loop; the timer's own lock is taken later, on the loop.
                let timer = socket.eventLoop.scheduleTask(in: .nanoseconds(AsyncHTTPTransport.nanoseconds(within))) {
                    [self] in expire(id)
                }
                s.waiter = Waiter(id: id, continuation: continuation, timer: timer)
                return nil
            }
            if let immediate { continuation.resume(returning: immediate) }
        }
    }

    func close(code: Int) async {
        let socket = state.withLock { s -> WebSocket? in
            if s.closed { return nil }
            if s.closeCode == nil { s.closeCode = code }
            return s.socket
        }
        guard let socket else { return }
        try? await socket.close(code: WebSocketErrorCode(codeNumber: code)).get()
        if case .timedOut = await WebSocketKitTransport.wait(socket.onClose, timeout: closeGrace) {
            // The server did not answer our close frame. websocket-kit offers no way to drop the
            // channel directly, but its ping timeout does exactly that: a peer that does not pong
            // within the interval gets its channel closed.
            socket.pingInterval = .milliseconds(250)
        }
    }
}

/// Tells the connection that a message was over the size limit. NIO's protocol error handler
/// answers an oversized frame by closing the channel before websocket-kit hears of the error, so
/// the socket ends without a close code and would read as a server that dropped the connection
/// (1006). websocket-kit keeps its channel internal; the watcher reaches it by reflection and sits
/// right after the frame decoder (one frame over the limit) and after the aggregator (fragments
/// adding up to more). Without the channel, nothing changes but the message.
final class FrameLimitWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame

    private let onLimit: () -> Void
    init(_ onLimit: @escaping () -> Void) { self.onLimit = onLimit }

    /// Runs on the channel's event loop, before any frame is read (websocket-kit's upgrade callback).
    static func install(on socket: WebSocket, onLimit: @escaping () -> Void) {
        guard let channel = Mirror(reflecting: socket).children.first(where: { $0.label == "channel" })?.value as? any Channel,
              channel.eventLoop.inEventLoop else { return }
        let pipeline = channel.pipeline.syncOperations
        if let decoder = try? pipeline.handler(type: ByteToMessageHandler<WebSocketFrameDecoder>.self) {
            try? pipeline.addHandler(FrameLimitWatcher(onLimit), position: .after(decoder))
        }
        if let aggregator = try? pipeline.handler(type: NIOWebSocketFrameAggregator.self) {
            try? pipeline.addHandler(FrameLimitWatcher(onLimit), position: .after(aggregator))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch error {
        case NIOWebSocketError.invalidFrameLength, NIOWebSocketFrameAggregator.Error.accumulatedFrameSizeIsTooLarge:
            onLimit()
        default:
            break
        }
        context.fireErrorCaught(error)
    }
}
