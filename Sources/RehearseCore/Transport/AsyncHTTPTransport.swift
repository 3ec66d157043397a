import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

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
        /// Soft cap on concurrent HTTP/1.1 connections to one host.
        public var maxConnectionsPerHost = 64
        /// Bound on TCP connect plus TLS handshake.
        public var connectTimeout: Duration = .seconds(5)

        public init() {}
    }

    private let client: HTTPClient
    private let options: Options

    public init(options: Options = .init()) {
        self.options = options
        var configuration: HTTPClient.Configuration
        if options.insecureTLS {
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
        let prepared = try Self.prepare(request, endpoint: endpoint)
        if Task.isCancelled { throw TransportError(.cancelled, "request cancelled (\(endpoint))") }

        let timeout = request.timeout
        let outcome: Outcome
        do {
            outcome = try await withThrowingTaskGroup(of: Outcome.self) { group in
                // AHC's deadline covers only the wait for the response head; the sibling timer is
                // what bounds a body that trickles in forever.
                group.addTask { .response(try await self.exchange(prepared, method: request.method, timeout: timeout)) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return .timedOut
                }
                defer { group.cancelAll() }
                return try await group.next()!
            }
        } catch {
            if Task.isCancelled { throw TransportError(.cancelled, "request cancelled (\(endpoint))") }
            throw Self.classify(error, endpoint: endpoint, timeout: timeout, connectTimeout: options.connectTimeout)
        }
        switch outcome {
        case .response(let response):
            return response
        case .timedOut:
            if Task.isCancelled { throw TransportError(.cancelled, "request cancelled (\(endpoint))") }
            throw Self.timeoutError(timeout, endpoint: endpoint)
        }
    }

    private enum Outcome: Sendable {
        case response(HTTPResponseData)
        case timedOut
    }

    /// Thrown inside the exchange when the body outgrows the cap; mapped to `.bodyTooLarge`.
    struct BodyCapExceeded: Error {
        let cap: Int
    }

    private func exchange(_ request: HTTPClientRequest, method: String, timeout: Duration) async throws
        -> HTTPResponseData
    {
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = NIODeadline.now() + .nanoseconds(Self.nanoseconds(timeout))
        let response = try await client.execute(request, deadline: deadline)

        let cap = options.maxBodyBytes
        var declared: Int?
        if Self.mayHaveBody(method: method, status: Int(response.status.code)),
            let value = response.headers.first(name: "content-length"), let length = Int(value)
        {
            // A declared length over the cap fails before a byte is read.
            if length > cap { throw BodyCapExceeded(cap: cap) }
            declared = length
        }
        var body: [UInt8] = []
        body.reserveCapacity(declared ?? 0)
        for try await chunk in response.body {
            // Checked before appending, so memory never holds more than the cap plus this chunk;
            // leaving the loop drops the stream, which makes AHC close the connection.
            if chunk.readableBytes > cap - body.count { throw BodyCapExceeded(cap: cap) }
            body.append(contentsOf: chunk.readableBytesView)
        }
        let duration = clock.now - start
        let headers = response.headers.map { (name: $0.name, value: $0.value) }
        return HTTPResponseData(status: Int(response.status.code), headers: headers, body: body, duration: duration)
    }

    private static func mayHaveBody(method: String, status: Int) -> Bool {
        if method.uppercased() == "HEAD" { return false }
        return !(100..<200).contains(status) && status != 204 && status != 304
    }

    /// Builds the AHC request, refusing what would otherwise fail deep inside NIO with a message
    /// that could echo a header value.
    private static func prepare(_ request: HTTPRequestData, endpoint: TransportEndpoint) throws(TransportError)
        -> HTTPClientRequest
    {
        guard !request.method.isEmpty, request.method.unicodeScalars.allSatisfy(isTokenScalar) else {
            throw TransportError(.invalidRequest, "invalid HTTP method (\(endpoint))")
        }
        var out = HTTPClientRequest(url: request.url)
        out.method = HTTPMethod(rawValue: request.method)
        for header in request.headers {
            guard !header.name.isEmpty, header.name.unicodeScalars.allSatisfy(isTokenScalar) else {
                throw TransportError(.invalidRequest, "invalid header name (\(endpoint))")
            }
            guard !header.value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) else {
                throw TransportError(.invalidRequest, "header \(header.name) has a line break in its value (\(endpoint))")
            }
            out.headers.add(name: header.name, value: header.value)
        }
        if let body = request.body {
            out.body = .bytes(body)
        }
        return out
    }

    /// RFC 9110 `tchar`.
    private static func isTokenScalar(_ s: Unicode.Scalar) -> Bool {
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

    var description: String {
        host.contains(":") && !host.hasPrefix("[") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
