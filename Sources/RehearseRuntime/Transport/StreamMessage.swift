#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One message of a stream (spec §8): an SSE event or a WebSocket frame, with the instant its
/// last byte came off the socket. The one message model `receive`, `events` and `collect` match.
public struct StreamMessage: Sendable {
    /// The SSE event name (`message` when the server named none); nil for a WebSocket frame.
    public var event: String?
    /// The SSE last event id; nil for a WebSocket frame or when none was set.
    public var id: String?
    /// The data (SSE: the `data` lines joined with LF) or the frame's payload.
    public var bytes: [UInt8]
    /// A binary WebSocket frame: shown as such when it is not text.
    public var isBinary: Bool
    public var arrival: ContinuousClock.Instant

    public init(event: String? = nil, id: String? = nil, bytes: [UInt8], isBinary: Bool = false,
                arrival: ContinuousClock.Instant) {
        self.event = event
        self.id = id
        self.bytes = bytes
        self.isBinary = isBinary
        self.arrival = arrival
    }

    public var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// Why a stream has no more messages.
public enum StreamEnd: Sendable, Equatable {
    /// A WebSocket closed, with the close code (nil: no close frame, 1006).
    case closed(code: Int?)
    /// An SSE response body ended cleanly.
    case finished
    /// A message over the client's limit (`limit` bytes) arrived; the client closed the stream.
    case tooLarge(limit: Int)
    /// The connection failed mid-stream (reset, read error).
    case failed(String)
}

/// What waiting for the next message of a stream produced.
public enum StreamEvent: Sendable {
    case message(StreamMessage)
    case ended(StreamEnd)
    /// Nothing arrived before the deadline; the stream is still open.
    case timedOut
}

/// An open stream of messages, read in arrival order. Messages that arrive while nobody waits
/// are queued (with their arrival instants), so none is lost between steps.
public protocol MessageStream: Sendable {
    /// The next message; waits at most `within`.
    func next(within: Duration) async -> StreamEvent
    /// The queued messages, several at once when the stream has them; see the extension below.
    func nextBatch(within: Duration) async -> StreamBatch
    /// Stops reading and closes the connection; safe to call twice and after the stream ended.
    func close() async
}

/// What waiting for messages produced, taken in batches: every message already queued at once.
public enum StreamBatch: Sendable {
    /// One or more messages, in arrival order (never empty).
    case messages(StreamMessageBatch)
    case ended(StreamEnd)
    case timedOut
}

extension MessageStream {
    /// The messages queued so far (at least one), waiting at most `within` when there are none.
    /// A stream that queues messages in batches hands each over whole, so a fast stream costs
    /// one handover per batch rather than one per message; this default takes one at a time.
    public func nextBatch(within: Duration) async -> StreamBatch {
        switch await next(within: within) {
        case .message(let m): return .messages(StreamMessageBatch([m]))
        case .ended(let end): return .ended(end)
        case .timedOut: return .timedOut
        }
    }
}
