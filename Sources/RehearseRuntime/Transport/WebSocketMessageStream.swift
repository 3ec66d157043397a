#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A WebSocket connection that records when each message came off the socket. Connections that
/// do not (test fakes) are stamped when the engine receives the message.
public protocol StampedWebSocketConnection: WebSocketConnection {
    /// As `receive(within:)`, with the arrival instant of a message (nil for other events).
    func receiveStamped(within: Duration) async -> (WebSocketEvent, ContinuousClock.Instant?)
}

/// A WebSocket connection read as a `MessageStream`: each frame is one message (spec §8), so
/// the steps of WebSocket and SSE cases share one matcher and one set of step kinds.
struct WebSocketMessageStream: MessageStream {
    let connection: any WebSocketConnection

    func next(within: Duration) async -> StreamEvent {
        let event: WebSocketEvent, stamp: ContinuousClock.Instant?
        if let stamped = connection as? any StampedWebSocketConnection {
            (event, stamp) = await stamped.receiveStamped(within: within)
        } else {
            (event, stamp) = (await connection.receive(within: within), nil)
        }
        switch event {
        case .message(let m):
            let arrival = stamp ?? ContinuousClock.now
            switch m {
            case .text(let s): return .message(StreamMessage(bytes: Array(s.utf8), arrival: arrival))
            case .binary(let b): return .message(StreamMessage(bytes: b, isBinary: true, arrival: arrival))
            }
        case .closed(let code): return .ended(.closed(code: code))
        case .messageTooLarge(let limit): return .ended(.tooLarge(limit: limit))
        case .timedOut: return .timedOut
        }
    }

    func close() async { await connection.close(code: 1000) }
}
