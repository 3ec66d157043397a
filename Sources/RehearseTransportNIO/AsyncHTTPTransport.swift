import AsyncHTTPClient
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOSSL
import RehearseModel
import RehearseRuntime

/// The real `HTTPTransport`: one pooled AsyncHTTPClient for the whole run, HTTP/1.1 or h2 as TLS
/// negotiates, redirects returned rather than followed, bodies read under a size cap, and every
/// failure sorted into a `TransportError.Kind` that the engine's retry policy can trust.
public final class AsyncHTTPTransport: HTTPTransport {
    /// Settings fixed for the transport's life.
    public struct Options: Sendable {
        /// Largest response body accepted; a larger one fails with `.bodyTooLarge`.
        public var maxBodyBytes: Int = 10 * 1024 * 1024
        /// Skip certificate verification (self-signed staging certificates).
        public var insecureTLS = false
        /// The run's TLS settings (client certificate, private CA); when set, it decides verification.
        public var tls: ClientTLS?
        /// Soft cap on concurrent HTTP/1.1 connections to one host.
        public var maxConnectionsPerHost = 64
        /// Bound on TCP connect plus TLS handshake.
        public var connectTimeout: Duration = .seconds(5)

        public init() {}
    }

    let client: HTTPClient
    let options: Options

    public init(options: Options = .init()) {
        self.options = options
        var configuration: HTTPClient.Configuration
        if let tls = options.tls {
            configuration = HTTPClient.Configuration(tlsConfiguration: tls.configuration)
        } else if options.insecureTLS {
            configuration = HTTPClient.Configuration(certificateVerification: .none)
        } else {
            configuration = HTTPClient.Configuration()
        }
        // A plan asserts on the 3xx itself, so following it would hide what it is testing.
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .disabled
        configuration.httpVersion = .automatic
        configuration.timeout = .init(connect: .nanoseconds(Self.nanoseconds(options.connectTimeout)))
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(1, options.maxConnectionsPerHost)
        // The engine owns retries (spec §5); AHC's own silent reconnect loop would turn a refused
        // connection into a connect-timeout several seconds later and hide the real cause.
        configuration.connectionPool.retryConnectionEstablishment = false
        // No distributed tracing here: a span per request (attributes formatted from the URL)
        // was a measurable share of the run's CPU.
        configuration.tracing.tracer = nil
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    deinit {
        // AHC traps in debug builds when a client is released unshut; a second shutdown only
        // reports `alreadyShutdown`, which is ignored here.
        client.shutdown { _ in }
    }

    public func shutdown() async {
        try? await client.shutdown()
    }

    public func send(_ request: HTTPRequestData) async throws(TransportError) -> HTTPResponseData {
        let endpoint = try TransportEndpoint(url: request.url)
        let prepared = try prepare(request, endpoint: endpoint)
        if Task.isCancelled { throw TransportError(.cancelled, "request cancelled (\(endpoint))") }

        let timeout = request.timeout
        let clock = ContinuousClock()
        let start = clock.now
        // The delegate API's deadline bounds the whole exchange, body included, with one timer on
        // the event loop; the collector reads the body there, under the cap.
        let deadline = NIODeadline.now() + .nanoseconds(Self.nanoseconds(timeout))
        let collector = ResponseCollector(cap: options.maxBodyBytes, method: prepared.method)
        let task = client.execute(request: prepared, delegate: collector, deadline: deadline)
        let collected: ResponseCollector.Response
        do {
            collected = try await withTaskCancellationHandler {
                try await task.futureResult.get()
            } onCancel: {
                task.cancel()
            }
        } catch {
            if Task.isCancelled { throw TransportError(.cancelled, "request cancelled (\(endpoint))") }
            throw Self.classify(error, endpoint: endpoint, timeout: timeout, connectTimeout: options.connectTimeout)
        }
        let headers = collected.head.headers.map { (name: $0.name, value: $0.value) }
        let body: [UInt8]
        do {
            body = try ContentDecoding.decode(collected.body, contentEncoding: collected.head.headers.first(name: "content-encoding"),
                                              cap: options.maxBodyBytes)
        } catch {
            throw Self.classify(error, endpoint: endpoint, cap: options.maxBodyBytes)
        }
        return HTTPResponseData(status: Int(collected.head.status.code), headers: headers, body: body,
                                duration: clock.now - start)
    }

    /// Thrown on the event loop when the body outgrows the cap; mapped to `.bodyTooLarge`.
    struct BodyCapExceeded: Error {
        let cap: Int
    }

    /// Gathers one response on the event loop AHC calls it on: the head, then the body under the
    /// cap. A declared length over the cap fails before a byte is read; a body that grows past it
    /// fails at the chunk that would cross it, so memory never holds more than the cap plus one
    /// chunk. Failing a callback's future makes AHC close the connection.
    final class ResponseCollector: HTTPClientResponseDelegate {
        struct Response: Sendable {
            var head: HTTPResponseHead
            var body: [UInt8]
        }

        private struct State {
            var head: HTTPResponseHead?
            var body: [UInt8] = []
        }

        private let cap: Int
        private let method: HTTPMethod
        private let state = NIOLockedValueBox(State())

        init(cap: Int, method: HTTPMethod) {
            self.cap = cap
            self.method = method
        }

        func didReceiveHead(task: HTTPClient.Task<Response>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
            var declared = 0
            if AsyncHTTPTransport.mayHaveBody(method: method, status: Int(head.status.code)),
                let value = head.headers.first(name: "content-length"), let length = Int(value)
            {
                if length > cap { return task.eventLoop.makeFailedFuture(BodyCapExceeded(cap: cap)) }
                declared = length
            }
            state.withLockedValue {
                $0.head = head
                $0.body.reserveCapacity(declared)
            }
            return task.eventLoop.makeSucceededVoidFuture()
        }

        func didReceiveBodyPart(task: HTTPClient.Task<Response>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
            let fits = state.withLockedValue { s -> Bool in
                guard buffer.readableBytes <= cap - s.body.count else { return false }
                s.body.append(contentsOf: buffer.readableBytesView)
                return true
            }
            return fits ? task.eventLoop.makeSucceededVoidFuture() : task.eventLoop.makeFailedFuture(BodyCapExceeded(cap: cap))
        }

        func didFinishRequest(task: HTTPClient.Task<Response>) throws -> Response {
            try state.withLockedValue { s in
                // AHC calls this only after a head; a missing one would be its bug, not the server's.
                guard let head = s.head else { throw HTTPClientError.remoteConnectionClosed }
                let body = s.body
                s.body = []
                return Response(head: head, body: body)
            }
        }
    }

    static func mayHaveBody(method: HTTPMethod, status: Int) -> Bool {
        if method == .HEAD { return false }
        return !(100..<200).contains(status) && status != 204 && status != 304
    }

    /// Builds the AHC request, refusing what would otherwise fail deep inside NIO with a message
    /// that could echo a header value.
    func prepare(_ request: HTTPRequestData, endpoint: TransportEndpoint) throws(TransportError)
        -> HTTPClient.Request
    {
        guard !request.method.isEmpty, request.method.unicodeScalars.allSatisfy(Self.isTokenScalar) else {
            throw TransportError(.invalidRequest, "invalid HTTP method (\(endpoint))")
        }
        var headers = HTTPHeaders()
        headers.reserveCapacity(request.headers.count)
        for header in request.headers {
            guard !header.name.isEmpty, header.name.unicodeScalars.allSatisfy(Self.isTokenScalar) else {
                throw TransportError(.invalidRequest, "invalid header name (\(endpoint))")
            }
            guard !header.value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) else {
                throw TransportError(.invalidRequest, "header \(header.name) has a line break in its value (\(endpoint))")
            }
            headers.add(name: header.name, value: header.value)
        }
        do {
            return try HTTPClient.Request(url: request.url, method: HTTPMethod(rawValue: request.method), headers: headers,
                                          body: request.body.map { .bytes($0) })
        } catch {
            throw Self.classify(error, endpoint: endpoint, timeout: request.timeout, connectTimeout: options.connectTimeout)
        }
    }

    /// RFC 9110 `tchar`.
    static func isTokenScalar(_ s: Unicode.Scalar) -> Bool {
        switch s {
        case "a"..."z", "A"..."Z", "0"..."9": return true
        case "!", "#", "$", "%", "&", "'", "*", "+", "-", ".", "^", "_", "`", "|", "~": return true
        default: return false
        }
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? 0 : Int64.max }
        return max(0, scaled.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue)
    }
}

/// `host:port` of a request, the only part of a URL that error messages show: paths and queries
/// can carry tokens.
struct TransportEndpoint: CustomStringConvertible, Sendable {
    let host: String
    let port: Int

    init(url: String) throws(TransportError) {
        if let plain = Self.plain(url) {
            self = plain
            return
        }
        guard let components = URLComponents(string: url) else {
            throw TransportError(.invalidRequest, "invalid URL")
        }
        guard let scheme = components.scheme?.lowercased() else {
            throw TransportError(.invalidRequest, "URL has no scheme (expected http or https)")
        }
        guard scheme == "http" || scheme == "https" else {
            throw TransportError(.invalidRequest, "unsupported URL scheme '\(scheme)' (expected http or https)")
        }
        guard let host = components.host, !host.isEmpty else {
            throw TransportError(.invalidRequest, "URL has no host")
        }
        self.host = host
        self.port = components.port ?? (scheme == "https" ? 443 : 80)
    }

    /// The common shape, `http(s)://host[:port][/...]` with a plain host name, IPv4 or bracketed
    /// IPv6 address and no user info, read without Foundation's URL parser (this runs once per
    /// request). Anything else returns nil and goes through `URLComponents`, which owns the
    /// messages for malformed URLs.
    private static func plain(_ url: String) -> TransportEndpoint? {
        let bytes = url.utf8
        var i = bytes.startIndex
        func skip(_ prefix: String) -> Bool {
            var j = i
            for p in prefix.utf8 {
                guard j != bytes.endIndex, p >= UInt8(ascii: "a") ? bytes[j] | 0x20 == p : bytes[j] == p else { return false }
                j = bytes.index(after: j)
            }
            i = j
            return true
        }
        let https: Bool
        if skip("https://") { https = true } else if skip("http://") { https = false } else { return nil }
        let hostStart = i
        let bracketed = i != bytes.endIndex && bytes[i] == UInt8(ascii: "[")
        if bracketed {
            i = bytes.index(after: i)
            while i != bytes.endIndex, isHexDigit(bytes[i]) || bytes[i] == UInt8(ascii: ":") || bytes[i] == UInt8(ascii: ".") {
                i = bytes.index(after: i)
            }
            guard i != bytes.endIndex, bytes[i] == UInt8(ascii: "]") else { return nil }
            i = bytes.index(after: i)
        } else {
            while i != bytes.endIndex, isHostByte(bytes[i]) { i = bytes.index(after: i) }
        }
        // Brackets stay, as URLComponents keeps them; IDNA names are left to it to decode.
        guard hostStart != i, bracketed || !hasIDNALabel(bytes[hostStart..<i]) else { return nil }
        let host = String(url[hostStart..<i])
        var port = https ? 443 : 80
        if i != bytes.endIndex, bytes[i] == UInt8(ascii: ":") {
            i = bytes.index(after: i)
            var value = 0, digits = 0
            while i != bytes.endIndex, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) {
                value = value * 10 + Int(bytes[i] - UInt8(ascii: "0"))
                digits += 1
                guard digits <= 5 else { return nil }
                i = bytes.index(after: i)
            }
            guard digits > 0, value <= 65535 else { return nil }
            port = value
        }
        // The authority must end here: a path, a query, a fragment or the end of the URL.
        guard i == bytes.endIndex || bytes[i] == UInt8(ascii: "/") || bytes[i] == UInt8(ascii: "?")
            || bytes[i] == UInt8(ascii: "#")
        else { return nil }
        return TransportEndpoint(host: host, port: port)
    }

    /// A label starting with `xn--` (punycode).
    private static func hasIDNALabel(_ host: Substring.UTF8View) -> Bool {
        var atLabelStart = true
        var i = host.startIndex
        while i != host.endIndex {
            if atLabelStart, host[i...].starts(with: "xn--".utf8, by: { $0 | 0x20 == $1 }) { return true }
            atLabelStart = host[i] == UInt8(ascii: ".")
            i = host.index(after: i)
        }
        return false
    }

    private static func isHexDigit(_ b: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(b | 0x20)
    }

    private static func isHostByte(_ b: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b | 0x20)
            || b == UInt8(ascii: "-") || b == UInt8(ascii: ".")
    }

    var description: String {
        host.contains(":") && !host.hasPrefix("[") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
