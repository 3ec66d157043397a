#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseDiagnostics
import RehearseCompiler
import RehearseResults

/// One message of a WebSocket conversation.
public enum WebSocketMessage: Sendable, Equatable {
    case text(String)
    case binary([UInt8])

    /// The message as text: binary payloads are decoded as UTF-8 (lossily), since matchers and
    /// captures work on text.
    public var text: String {
        switch self {
        case .text(let s): return s
        case .binary(let b): return String(decoding: b, as: UTF8.self)
        }
    }

    public var bytes: [UInt8] {
        switch self {
        case .text(let s): return Array(s.utf8)
        case .binary(let b): return b
        }
    }
}

/// What waiting for the next message produced.
public enum WebSocketEvent: Sendable, Equatable {
    case message(WebSocketMessage)
    /// The connection is closed. `code` is the close code the server sent (or the one we sent,
    /// when we closed first); nil when the connection ended without a close frame (1006).
    case closed(code: Int?)
    /// Nothing arrived before the deadline; the connection is still open.
    case timedOut
    /// A message larger than the client accepts (`limit` bytes) arrived; the client closed the
    /// connection with 1009 (message too big).
    case messageTooLarge(limit: Int)
}

/// An open WebSocket connection, after an accepted (101) handshake.
public protocol WebSocketConnection: Sendable {
    /// Sends one text message. Throws `.closed` when the connection is already gone.
    func send(text: String) async throws(TransportError)
    /// The next message, in arrival order; waits at most `within`. Messages that arrive while
    /// nobody waits are queued, so a reply sent before `receive` is called is not lost.
    func receive(within: Duration) async -> WebSocketEvent
    /// Sends a close frame with `code` and waits briefly for the server's; safe to call twice
    /// and after the server closed.
    func close(code: Int) async
}

/// The outcome of a handshake that got an HTTP answer.
public enum WebSocketHandshake: Sendable {
    /// 101 Switching Protocols: the conversation can start.
    case accepted(any WebSocketConnection)
    /// Any other status: the server refused the upgrade, e.g. 401/403 for a missing or bad
    /// token. `body` is nil when the transport cannot read it.
    case refused(status: Int, headers: [(name: String, value: String)], body: [UInt8]?)
}

/// Opens WebSocket connections. The engine holds one for the whole run; tests swap in a fake.
///
/// A failure to get any HTTP answer (refused connection, TLS failure, no answer in time) is
/// thrown as a `TransportError` of the same kinds as HTTP, so the case's retry policy applies;
/// a refusal with a status is not an error but a `.refused` handshake the case can expect.
public protocol WebSocketTransport: Sendable {
    /// `url` is `ws://` or `wss://`; `headers` are sent as given (names as written);
    /// `subprotocols` are offered in `Sec-WebSocket-Protocol`; `timeout` bounds the connect and
    /// the wait for the handshake answer.
    func connect(url: String, headers: [(name: String, value: String)], subprotocols: [String], timeout: Duration)
        async throws(TransportError) -> WebSocketHandshake
    /// Closes connections still open; called once at the end of a run.
    func shutdown() async
}
