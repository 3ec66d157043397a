#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What an SSE request got: a stream to read, or an ordinary response to check like a `request`.
public enum SSEOpening: Sendable {
    /// A 2xx `text/event-stream` answer; `headDuration` runs from sending to the response head,
    /// `sentAt` is when the request went out (the origin of `first`, spec §8).
    case stream(status: Int, headers: [(name: String, value: String)], stream: any MessageStream,
                sentAt: ContinuousClock.Instant, headDuration: Duration)
    /// Any other answer, its body read whole under the transport's size cap.
    case response(HTTPResponseData)
}

/// Opens Server-Sent Event streams. `request.timeout` bounds the connect and the wait for the
/// response head only: a stream is read for as long as its steps want.
///
/// A failure to get any answer is thrown as a `TransportError` of the same kinds as HTTP, so the
/// retry loop treats it as it treats a request.
public protocol SSETransport: Sendable {
    func open(_ request: HTTPRequestData) async throws(TransportError) -> SSEOpening
}
