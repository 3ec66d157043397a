#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket
import Synchronization
import WebSocketKit
import RehearseModel
import RehearseRuntime

/// The real `WebSocketTransport`, on vapor/websocket-kit over the process-wide NIO event loop
/// group (the one AsyncHTTPClient uses too, so a run has a single set of I/O threads).
///
/// websocket-kit reports a refused upgrade as `WebSocketClient.Error.invalidResponseStatus`
/// carrying the response head, so the real status and headers of a 401/403 are observable. It
/// drops the refusal's body, so `.refused` handshakes come back with `body: nil`. It also does
/// not report a server that hangs up before answering: that shows as `.timeout` at the deadline.
public final class WebSocketKitTransport: WebSocketTransport {
    /// Settings fixed for the transport's life.
    public struct Options: Sendable {
        /// Skip certificate verification for wss:// (self-signed staging certificates).
        public var insecureTLS = false
        /// The run's TLS settings (client certificate, private CA); when set, it decides verification.
        public var tls: ClientTLS?
        /// Largest message accepted (after joining fragments); the HTTP body cap's size.
        public var maxMessageBytes = 10 * 1024 * 1024
        /// How long `close` waits for the server's close frame before giving up on it.
        public var closeGrace: Duration = .seconds(2)

        public init() {}
    }

    private let options: Options
    private let group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    /// Connections not yet closed by their case, closed at shutdown so none outlives the run.
    private let open = Mutex<[ObjectIdentifier: WebSocketKitConnection]>([:])

    public init(options: Options = .init()) {
        self.options = options
    }

    public func connect(url: String, headers: [(name: String, value: String)], subprotocols: [String], timeout: Duration)
        async throws(TransportError) -> WebSocketHandshake
    {
        let target = try Target(url: url)
        var httpHeaders = HTTPHeaders()
        for h in headers {
            // NIO would otherwise fail deep inside the encoder with a message that could echo the value.
            guard !h.name.isEmpty, !h.value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) else {
                throw TransportError(.invalidRequest, "header \(h.name) is empty or has a line break (\(target.endpoint))")
            }
            httpHeaders.add(name: h.name, value: h.value)
        }
        if !subprotocols.isEmpty && !httpHeaders.contains(name: "Sec-WebSocket-Protocol") {
            httpHeaders.add(name: "Sec-WebSocket-Protocol", value: subprotocols.joined(separator: ", "))
        }
        var configuration = WebSocketClient.Configuration(tlsConfiguration: tlsConfiguration(),
                                                          maxFrameSize: options.maxMessageBytes)
        configuration.maxAccumulatedFrameSize = options.maxMessageBytes

        // websocket-kit completes its future when the 101 arrives, before it has built the
        // socket and called back; `attached` completes once the socket is ours to use.
        let attached = group.any().makePromise(of: Void.self)
        let connection = WebSocketKitConnection(endpoint: target.endpoint, closeGrace: options.closeGrace,
                                                maxMessageBytes: options.maxMessageBytes, attached: attached)
        let future = WebSocket.connect(
            scheme: target.scheme, host: target.host, port: target.port, path: target.path, query: target.query,
            headers: httpHeaders, configuration: configuration, on: group
        ) { socket in
            // Runs on the channel's event loop before any frame is read: registering here is
            // what makes a greeting sent together with the 101 arrive in the inbox.
            connection.attach(socket)
        }
        future.whenFailure { attached.fail($0) }
        switch await Self.wait(attached.futureResult, timeout: timeout) {
        case .completed(.success):
            track(connection)
            return .accepted(connection)
        case .completed(.failure(WebSocketClient.Error.invalidResponseStatus(let head))):
            return .refused(status: Int(head.status.code), headers: head.headers.map { ($0.name, $0.value) }, body: nil)
        case .completed(.failure(let error as NIOHTTPClientUpgradeError)):
            // A 101 without a valid Upgrade/Sec-WebSocket-Accept: the server answered, wrongly.
            throw TransportError(.other, "invalid WebSocket handshake answer: \(error) (\(target.endpoint))")
        case .completed(.failure(WebSocketClient.Error.invalidURL)):
            throw TransportError(.invalidRequest, "invalid URL")
        case .completed(.failure(let error)):
            throw AsyncHTTPTransport.classify(error, endpoint: target.endpoint, timeout: timeout, connectTimeout: timeout)
        case .cancelled:
            // The run was interrupted: give the attempt up now rather than at its timeout.
            connection.abandon()
            attached.fail(CancellationError())
            throw TransportError(.cancelled, "handshake cancelled (\(target.endpoint))")
        case .timedOut:
            // The attempt may still complete later; the connection then closes itself.
            connection.abandon()
            attached.fail(ChannelError.connectTimeout(.nanoseconds(AsyncHTTPTransport.nanoseconds(timeout))))
            throw TransportError(.timeout, "no handshake answer within \(AsyncHTTPTransport.seconds(timeout)) (\(target.endpoint))")
        }
    }

    public func shutdown() async {
        let left = open.withLock { o -> [WebSocketKitConnection] in
            defer { o.removeAll() }
            return Array(o.values)
        }
        for connection in left { await connection.close(code: 1001) }
    }

    private func track(_ connection: WebSocketKitConnection) {
        let id = ObjectIdentifier(connection)
        open.withLock { $0[id] = connection }
        connection.onClosed { [weak self] in _ = self?.open.withLock { $0.removeValue(forKey: id) } }
    }

    private func tlsConfiguration() -> TLSConfiguration {
        if let custom = options.tls { return custom.configuration }
        var tls = TLSConfiguration.makeClientConfiguration()
        if options.insecureTLS { tls.certificateVerification = .none }
        return tls
    }

    enum Waited<T: Sendable>: Sendable {
        case completed(Result<T, any Error>)
        case timedOut
        case cancelled
    }

    /// A future's result, `.timedOut` once `timeout` passed, or `.cancelled` when the task is
    /// (the future is left to finish either way).
    static func wait<T: Sendable>(_ future: EventLoopFuture<T>, timeout: Duration) async -> Waited<T> {
        let slot = Mutex<(waiter: ResumeOnce<Waited<T>>?, cancelled: Bool)>((nil, false))
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Waited<T>, Never>) in
                let once = ResumeOnce(continuation)
                let cancelledAlready = slot.withLock { s -> Bool in
                    s.waiter = once
                    return s.cancelled
                }
                if cancelledAlready { return once.resume(.cancelled) }
                let timer = future.eventLoop.scheduleTask(in: .nanoseconds(AsyncHTTPTransport.nanoseconds(timeout))) {
                    once.resume(.timedOut)
                }
                future.whenComplete { result in
                    timer.cancel()
                    once.resume(.completed(result))
                }
            }
        } onCancel: {
            let waiter = slot.withLock { s -> ResumeOnce<Waited<T>>? in
                s.cancelled = true
                return s.waiter
            }
            waiter?.resume(.cancelled)
        }
    }

    /// Where to connect, taken apart the way websocket-kit wants it, with path and query kept
    /// percent-encoded as written (`URL.path` would decode them).
    struct Target {
        let scheme: String
        let host: String
        let port: Int
        let path: String
        let query: String?
        var endpoint: TransportEndpoint { TransportEndpoint(host: host, port: port) }

        init(url: String) throws(TransportError) {
            guard let c = URLComponents(string: url) else { throw TransportError(.invalidRequest, "invalid URL") }
            guard let scheme = c.scheme?.lowercased(), scheme == "ws" || scheme == "wss" else {
                throw TransportError(.invalidRequest, "unsupported URL scheme '\(c.scheme ?? "")' (expected ws or wss)")
            }
            guard let host = c.host, !host.isEmpty else { throw TransportError(.invalidRequest, "URL has no host") }
            self.scheme = scheme
            self.host = host
            self.port = c.port ?? (scheme == "wss" ? 443 : 80)
            self.path = c.percentEncodedPath.isEmpty ? "/" : c.percentEncodedPath
            self.query = c.percentEncodedQuery
        }
    }
}

extension TransportEndpoint {
    init(host: String, port: Int) {
        self.host = host
        self.port = port
    }
}

/// Resumes a continuation exactly once, whichever of several racing callbacks comes first.
final class ResumeOnce<T: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<T, Never>?>

    init(_ continuation: CheckedContinuation<T, Never>) { self.continuation = Mutex(continuation) }

    func resume(_ value: T) {
        continuation.withLock { c -> CheckedContinuation<T, Never>? in
            defer { c = nil }
            return c
        }?.resume(returning: value)
    }
}
