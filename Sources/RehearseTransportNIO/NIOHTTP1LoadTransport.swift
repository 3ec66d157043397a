#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOTLS
import Synchronization
import RehearseModel
import RehearseRuntime

/// The transport of `load` cases: a lean HTTP/1.1 keep-alive client on swift-nio's `NIOHTTP1`.
///
/// A load case sends one request many times to one host, where AsyncHTTPClient's general
/// machinery (its connection pool state machine, request bags, delegate hops) was the ceiling
/// (docs/performance.md). Here each connection is a channel with the HTTP/1.1 codec and one small
/// handler; a request checks an idle connection out of a per-host stack (or connects a new one),
/// writes head and body, and waits on one promise that the handler fulfils on the event loop when
/// the response ends; the connection then goes back on the stack. The rest is the same as
/// `AsyncHTTPTransport`: TLS through NIOSSL with the same verification (or `--insecure`), the
/// same body cap and `Content-Encoding` decoding, the same error classification, the whole
/// exchange bounded by the request's timeout, Ctrl-C closing the connection. URLs it does not
/// handle (user info, IDNA names) go to the fallback transport.
public final class NIOHTTP1LoadTransport: HTTPTransport {
    let options: AsyncHTTPTransport.Options
    let fallback: any HTTPTransport
    let tls: NIOSSLContext?
    let group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    let idle = Mutex<[PoolKey: [LoadConnection]]>([:])
    /// Connections opened for started requests, until they close (`cancelStarted` closes them).
    let startedConnections = Mutex<[ObjectIdentifier: LoadConnection]>([:])
    /// How many times `cancelStarted` was called: a request still connecting when it was is not sent.
    let cancellations = Atomic<Int>(0)
    /// Each thread's last prepared request and the connection its response callback just freed.
    let local = ThreadSpecificVariable<LoadThreadState>()

    struct PoolKey: Hashable {
        var host: String
        var port: Int
        var tls: Bool
    }

    public init(options: AsyncHTTPTransport.Options = .init(), fallback: any HTTPTransport) {
        self.options = options
        self.fallback = fallback
        // The environment's TLS (client certificate, private CA) as every other transport uses it.
        var configuration = options.tls?.configuration ?? TLSConfiguration.makeClientConfiguration()
        if options.insecureTLS { configuration.certificateVerification = .none }
        self.tls = try? NIOSSLContext(configuration: configuration)
    }

    public func shutdown() async {
        let all = idle.withLock { pool in
            defer { pool = [:] }
            return pool.values.flatMap { $0 }
        }
        for c in all { try? await c.channel.close() }
    }

    public func send(_ request: HTTPRequestData) async throws(TransportError) -> HTTPResponseData {
        guard let ready = try prepare(request) else { return try await fallback.send(request) }
        let target = ready.target
        let endpoint = target.endpoint
        if Task.isCancelled { throw TransportError(.cancelled, "request cancelled (\(endpoint))") }
        let clock = ContinuousClock()
        let start = clock.now
        let key = PoolKey(host: endpoint.host, port: endpoint.port, tls: target.https)
        let connection: LoadConnection
        do {
            connection = try await checkOut(key, target: target)
        } catch {
            if Task.isCancelled { throw TransportError(.cancelled, "request cancelled (\(endpoint))") }
            throw AsyncHTTPTransport.classify(error, endpoint: endpoint, timeout: request.timeout, connectTimeout: options.connectTimeout)
        }
        let remaining = request.timeout - (clock.now - start)
        let exchange = connection.send(head: ready.head, body: request.body, cap: options.maxBodyBytes,
                                       timeout: remaining, timeoutError: AsyncHTTPTransport.timeoutError(request.timeout, endpoint: endpoint))
        let response: LoadResponse
        do {
            response = try await withTaskCancellationHandler {
                try await exchange.get()
            } onCancel: {
                connection.channel.close(promise: nil)
            }
        } catch {
            connection.channel.close(promise: nil)
            if Task.isCancelled { throw TransportError(.cancelled, "request cancelled (\(endpoint))") }
            throw AsyncHTTPTransport.classify(error, endpoint: endpoint, timeout: request.timeout, connectTimeout: options.connectTimeout)
        }
        if response.keepAlive { checkIn(connection, key) } else { connection.channel.close(promise: nil) }
        let body: [UInt8]
        do {
            body = try ContentDecoding.decode(response.body, contentEncoding: response.head.headers.first(name: "content-encoding"),
                                              cap: options.maxBodyBytes)
        } catch {
            throw AsyncHTTPTransport.classify(error, endpoint: endpoint, cap: options.maxBodyBytes)
        }
        return HTTPResponseData(status: Int(response.head.status.code), headers: response.head.headers.map { (name: $0.name, value: $0.value) },
                                body: body, duration: clock.now - start)
    }

    /// Connections waiting for a request (tests check that keep-alive reuses them).
    var idleConnections: Int { idle.withLock { $0.values.reduce(0) { $0 + $1.count } } }

    func checkOut(_ key: PoolKey, target: LoadTarget) async throws -> LoadConnection {
        while let c = idle.withLock({ $0[key]?.popLast() }) {
            if c.channel.isActive { return c }
        }
        return try await connect(key, target: target)
    }

    func checkIn(_ c: LoadConnection, _ key: PoolKey) {
        guard c.channel.isActive else { return }
        idle.withLock { $0[key, default: []].append(c) }
    }

    func connect(_ key: PoolKey, target: LoadTarget) async throws -> LoadConnection {
        let tls = key.tls ? self.tls : nil
        let serverName = target.serverName
        let endpoint = target.endpoint.description
        let handler = LoadResponseHandler(endpoint: endpoint)
        let loop = group.next()
        let handshake = loop.makePromise(of: Void.self)
        let waiter = TLSHandshakeWaiter(handshake, endpoint: endpoint)
        let started = ContinuousClock.now
        let channel: any Channel
        do {
            channel = try await bootstrap(loop, tls: tls, serverName: serverName, waiter: waiter, handler: handler)
                .connect(host: Text.trimmed(key.host) { $0 == "[" || $0 == "]" }, port: key.port).get()
        } catch {
            // The promise must be settled whatever happens (NIO reports a leaked one).
            loop.execute { waiter.complete(.failure(error)) }
            throw error
        }
        if tls != nil {
            // The handshake is part of connecting: bounded by the connect timeout, and a failure
            // means nothing was sent (AsyncHTTPClient's rule too).
            let left = options.connectTimeout - (ContinuousClock.now - started)
            let timer = loop.scheduleTask(in: .nanoseconds(AsyncHTTPTransport.nanoseconds(left))) {
                waiter.complete(.failure(TransportError(.connect, "TLS handshake timed out (\(endpoint))")))
            }
            do { try await handshake.futureResult.get() } catch {
                timer.cancel()
                try? await channel.close()
                throw error
            }
            timer.cancel()
        } else {
            loop.execute { waiter.complete(.success(())) }
        }
        return LoadConnection(channel: channel, handler: handler)
    }

    private func bootstrap(_ loop: any EventLoop, tls: NIOSSLContext?, serverName: String?, waiter: TLSHandshakeWaiter,
                           handler: LoadResponseHandler) -> ClientBootstrap {
        ClientBootstrap(group: loop)
            .connectTimeout(.nanoseconds(AsyncHTTPTransport.nanoseconds(options.connectTimeout)))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: serverName))
                        try channel.pipeline.syncOperations.addHandler(waiter)
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
    }

    /// The request head: the target's path and query, `Host`, and `Content-Length` for a body.
    static func head(_ request: HTTPRequestData, target: LoadTarget) -> HTTPRequestHead {
        var headers = HTTPHeaders()
        headers.reserveCapacity(request.headers.count + 2)
        if request.headers.value(of: "host") == nil { headers.add(name: "Host", value: target.hostHeader) }
        for h in request.headers { headers.add(name: h.name, value: h.value) }
        if let body = request.body, request.headers.value(of: "content-length") == nil, request.headers.value(of: "transfer-encoding") == nil {
            headers.add(name: "Content-Length", value: String(body.count))
        }
        return HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: request.method), uri: target.pathAndQuery, headers: headers)
    }

    /// What AsyncHTTPTransport refuses before sending, refused the same way here.
    static func check(_ request: HTTPRequestData, endpoint: TransportEndpoint) throws(TransportError) {
        guard !request.method.isEmpty, request.method.unicodeScalars.allSatisfy(AsyncHTTPTransport.isTokenScalar) else {
            throw TransportError(.invalidRequest, "invalid HTTP method (\(endpoint))")
        }
        for header in request.headers {
            guard !header.name.isEmpty, header.name.unicodeScalars.allSatisfy(AsyncHTTPTransport.isTokenScalar) else {
                throw TransportError(.invalidRequest, "invalid header name (\(endpoint))")
            }
            guard !header.value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) else {
                throw TransportError(.invalidRequest, "header \(header.name) has a line break in its value (\(endpoint))")
            }
        }
    }
}

/// One kept-alive connection: the channel and its response handler.
final class LoadConnection: Sendable {
    let channel: any Channel
    let handler: LoadResponseHandler

    init(channel: any Channel, handler: LoadResponseHandler) {
        self.channel = channel
        self.handler = handler
    }

    /// Writes one request on the event loop and returns the response's future.
    func send(head: HTTPRequestHead, body: [UInt8]?, cap: Int, timeout: Duration, timeoutError: TransportError) -> EventLoopFuture<LoadResponse> {
        let loop = channel.eventLoop
        let promise = loop.makePromise(of: LoadResponse.self)
        let channel = self.channel, handler = self.handler
        let write: @Sendable () -> Void = {
            handler.begin(promise, method: head.method, cap: cap)
            let ns = AsyncHTTPTransport.nanoseconds(timeout)
            handler.timer = loop.scheduleTask(in: .nanoseconds(ns)) {
                handler.fail(timeoutError)
                channel.close(promise: nil)
            }
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            if let body, !body.isEmpty {
                channel.write(HTTPClientRequestPart.body(.byteBuffer(channel.allocator.buffer(bytes: body))), promise: nil)
            }
            channel.writeAndFlush(HTTPClientRequestPart.end(nil)).whenFailure { error in
                handler.fail(error)
                channel.close(promise: nil)
            }
        }
        // From a response's callback (the next started request) it is written at once.
        if loop.inEventLoop { write() } else { loop.execute(write) }
        return promise.futureResult
    }
}

struct LoadResponse: Sendable {
    var head: HTTPResponseHead
    var body: [UInt8]
    var keepAlive: Bool
}

/// Collects one response at a time on the connection's event loop, under the body cap. All its
/// state is touched on that loop only (hence `@unchecked Sendable`).
final class LoadResponseHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart

    private let endpoint: String
    private var promise: EventLoopPromise<LoadResponse>?
    private var head: HTTPResponseHead?
    private var body: [UInt8] = []
    private var cap = 0
    private var method: HTTPMethod = .GET
    var timer: Scheduled<Void>?

    init(endpoint: String) { self.endpoint = endpoint }

    func begin(_ promise: EventLoopPromise<LoadResponse>, method: HTTPMethod, cap: Int) {
        self.promise = promise
        self.method = method
        self.cap = cap
        head = nil
        body = []
    }

    func fail(_ error: any Error) {
        timer?.cancel()
        timer = nil
        let p = promise
        promise = nil
        p?.fail(error)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            if AsyncHTTPTransport.mayHaveBody(method: method, status: Int(h.status.code)),
               let length = h.headers.first(name: "content-length").flatMap({ Int($0) }) {
                guard length <= cap else {
                    fail(AsyncHTTPTransport.BodyCapExceeded(cap: cap))
                    context.close(promise: nil)
                    return
                }
                body.reserveCapacity(length)
            }
            head = h
        case .body(var buffer):
            guard buffer.readableBytes <= cap - body.count else {
                fail(AsyncHTTPTransport.BodyCapExceeded(cap: cap))
                context.close(promise: nil)
                return
            }
            buffer.readWithUnsafeReadableBytes { raw in
                body.append(contentsOf: raw)
                return raw.count
            }
        case .end:
            timer?.cancel()
            timer = nil
            guard let p = promise, let h = head else { return }
            promise = nil
            let response = LoadResponse(head: h, body: body, keepAlive: h.isKeepAlive)
            head = nil
            body = []
            p.succeed(response)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(TransportError(.closed, "connection closed before a full response (\(endpoint))"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error)
        context.close(promise: nil)
    }
}

/// The parts of a plain `http(s)://host[:port]/path?query` URL the client needs; nil for
/// anything else (user info, IDNA names), which goes to the fallback transport.
struct LoadTarget {
    let https: Bool
    let endpoint: TransportEndpoint
    let pathAndQuery: String
    let hostHeader: String
    /// The TLS server name: the host, unless it is an IP address (SNI carries names only).
    let serverName: String?

    init?(_ url: String) {
        let lower = url.prefix(8).lowercased()
        let https: Bool
        let rest: Substring
        if lower.hasPrefix("https://") { https = true; rest = url.dropFirst(8) } else if lower.hasPrefix("http://") {
            https = false
            rest = url.dropFirst(7)
        } else { return nil }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard !authority.contains("@"), let endpoint = try? TransportEndpoint(url: url) else { return nil }
        // IDNA names are left to the fallback, whose URL parser decodes them.
        guard endpoint.host.allSatisfy({ $0.isASCII }), !endpoint.host.lowercased().contains("xn--") else { return nil }
        var path = String(rest[authorityEnd...])
        if let hash = path.firstIndex(of: "#") { path = String(path[..<hash]) }
        if path.isEmpty { path = "/" } else if path.hasPrefix("?") { path = "/" + path }
        self.https = https
        self.endpoint = endpoint
        self.pathAndQuery = path
        let defaultPort = https ? 443 : 80
        self.hostHeader = endpoint.port == defaultPort ? endpoint.host : "\(endpoint.host):\(endpoint.port)"
        let bare = Text.trimmed(endpoint.host) { $0 == "[" || $0 == "]" }
        let isIP = bare.contains(":") || bare.split(separator: ".").allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
        self.serverName = isIP ? nil : bare
    }
}

/// Fulfils a promise when the TLS handshake completes, or fails it with the handshake's error.
final class TLSHandshakeWaiter: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = NIOAny
    private let promise: EventLoopPromise<Void>
    private let endpoint: String
    private var done = false

    init(_ promise: EventLoopPromise<Void>, endpoint: String) {
        self.promise = promise
        self.endpoint = endpoint
    }

    /// Settles the promise once; later events (an error, then the close) change nothing.
    func complete(_ result: Result<Void, any Error>) {
        guard !done else { return }
        done = true
        promise.completeWith(result)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event { complete(.success(())) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        complete(.failure(error))
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        complete(.failure(TransportError(.connect, "TLS handshake failed (\(endpoint))")))
        context.fireChannelInactive()
    }
}
