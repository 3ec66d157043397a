import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import XCTest

@testable import Rehearse
@testable import RehearseModel
@testable import RehearseDiagnostics
@testable import RehearseParser
@testable import RehearseCompiler
@testable import RehearseResults
@testable import RehearseRuntime
@testable import RehearseTransportNIO
@testable import RehearseReport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Each way an exchange can fail, and the `TransportError.Kind` the engine's retry policy sees.
final class AsyncHTTPTransportErrorTests: XCTestCase {

    // MARK: After the request was sent: .closed

    func testResetMidResponseIsClosed() async throws {
        try await withRawServer({ conn in
            _ = try await conn.readRequest()
            try await conn.write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + String(repeating: "x", count: 100))
            try await Task.sleep(for: .milliseconds(50))
            await conn.reset()
        }) { server, transport in
            let error = await expectTransportError(transport, HTTPRequestData(method: "GET", url: server.baseURL + "/"))
            XCTAssertEqual(error?.kind, .closed, "\(String(describing: error))")
            XCTAssertEqual(error?.message, "connection reset by peer (127.0.0.1:\(server.port))")
        }
    }

    func testTruncatedChunkedBodyIsClosed() async throws {
        try await withRawServer({ conn in
            _ = try await conn.readRequest()
            try await conn.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n8\r\nwor")
            await conn.close()
        }) { server, transport in
            let error = await expectTransportError(transport, HTTPRequestData(method: "GET", url: server.baseURL + "/"))
            XCTAssertEqual(error?.kind, .closed, "\(String(describing: error))")
            XCTAssertEqual(error?.message, "connection closed mid-response (127.0.0.1:\(server.port))")
        }
    }

    func testCloseWithoutRespondingIsClosed() async throws {
        try await withRawServer({ conn in
            _ = try await conn.readRequest()
            await conn.close()
        }) { server, transport in
            let request = HTTPRequestData(method: "POST", url: server.baseURL + "/orders", body: Array("{}".utf8))
            let error = await expectTransportError(transport, request)
            XCTAssertEqual(error?.kind, .closed, "\(String(describing: error))")
            XCTAssertEqual(error?.message, "connection closed before a full response (127.0.0.1:\(server.port))")
        }
    }

    // MARK: Body cap

    func testStreamedBodyOverTheCapFailsEarly() async throws {
        let total = 50 * 1024 * 1024
        let sentAll = LockedFlag()
        var options = AsyncHTTPTransport.Options()
        options.maxBodyBytes = 1024 * 1024
        try await withRawServer(options: options, { conn in
            _ = try await conn.readRequest()
            try await conn.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            let chunk = Array("10000\r\n".utf8) + [UInt8](repeating: 0x61, count: 0x10000) + Array("\r\n".utf8)
            for _ in 0..<(total / 0x10000) { try await conn.write(chunk) }
            try await conn.write("0\r\n\r\n")
            sentAll.set()
        }) { server, transport in
            let started = ContinuousClock.now
            let error = await expectTransportError(transport, HTTPRequestData(method: "GET", url: server.baseURL + "/big"))
            XCTAssertEqual(error?.kind, .bodyTooLarge)
            XCTAssertEqual(error?.message, "response body exceeds the 1 MiB cap (127.0.0.1:\(server.port))")
            XCTAssertLessThan(ContinuousClock.now - started, .seconds(5), "well before the request's 10 s timeout")
            // Backpressure held the server back: it could not push 50 MB into a client that stopped.
            // (Loopback socket buffers alone can hold ~10 MB, hence the bound at half.)
            try await Task.sleep(for: .milliseconds(200))
            XCTAssertFalse(sentAll.isSet)
            XCTAssertLessThan(server.stats.bytesWritten, total / 2)
        }
    }

    func testDeclaredLengthOverTheCapFailsBeforeReading() async throws {
        var options = AsyncHTTPTransport.Options()
        options.maxBodyBytes = 1024
        try await withRawServer(options: options, { conn in
            _ = try await conn.readRequest()
            try await conn.write("HTTP/1.1 200 OK\r\nContent-Length: 52428800\r\n\r\n")
            try await Task.sleep(for: .seconds(5))
        }) { server, transport in
            let started = ContinuousClock.now
            let error = await expectTransportError(
                transport, HTTPRequestData(method: "GET", url: server.baseURL + "/", timeout: .seconds(10)))
            XCTAssertEqual(error?.kind, .bodyTooLarge)
            XCTAssertEqual(error?.message, "response body exceeds the 1 KiB cap (127.0.0.1:\(server.port))")
            XCTAssertLessThan(ContinuousClock.now - started, .seconds(2))
        }
    }

    func testBodyExactlyAtTheCapIsAcceptedAndOneMoreByteIsNot() async throws {
        var options = AsyncHTTPTransport.Options()
        options.maxBodyBytes = 1000
        try await withRawServer(options: options, { conn in
            while let request = try await conn.readRequest() {
                let size = Int(request.target.dropFirst())!
                try await conn.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                try await conn.write(String(size, radix: 16) + "\r\n" + String(repeating: "z", count: size) + "\r\n0\r\n\r\n")
            }
        }) { server, transport in
            let ok = try await transport.send(HTTPRequestData(method: "GET", url: server.baseURL + "/1000"))
            XCTAssertEqual(ok.body.count, 1000)
            let error = await expectTransportError(transport, HTTPRequestData(method: "GET", url: server.baseURL + "/1001"))
            XCTAssertEqual(error?.kind, .bodyTooLarge)
            XCTAssertEqual(error?.message, "response body exceeds the 1000 bytes cap (127.0.0.1:\(server.port))")
        }
    }

    // MARK: Nothing was sent: .connect

    func testConnectionRefusedIsConnect() async throws {
        let server = try await RawHTTPServer.start { _ in }
        let port = server.port
        await server.stop()
        let transport = AsyncHTTPTransport()
        let started = ContinuousClock.now
        let error = await expectTransportError(transport, HTTPRequestData(method: "GET", url: "http://127.0.0.1:\(port)/"))
        await transport.shutdown()
        XCTAssertEqual(error?.kind, .connect)
        XCTAssertEqual(error?.message, "connection refused (127.0.0.1:\(port))")
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(1), "no silent reconnect loop")
    }

    func testConnectTimeoutIsConnect() async throws {
        // A listener with a full accept queue drops new SYNs, so connect hangs.
        let listener = try FullBacklogListener()
        defer { listener.close() }
        var options = AsyncHTTPTransport.Options()
        options.connectTimeout = .milliseconds(500)
        let transport = AsyncHTTPTransport(options: options)
        let started = ContinuousClock.now
        let error = await expectTransportError(
            transport, HTTPRequestData(method: "GET", url: "http://127.0.0.1:\(listener.port)/", timeout: .seconds(10)))
        await transport.shutdown()
        XCTAssertEqual(error?.kind, .connect, "\(String(describing: error))")
        XCTAssertEqual(error?.message, "connect timed out after 500ms (127.0.0.1:\(listener.port))")
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(3))
    }

    func testUnresolvableHostIsConnect() async throws {
        // A label over 63 bytes fails inside the resolver library, without a DNS query leaving the machine.
        let host = String(repeating: "a", count: 70) + ".invalid"
        let transport = AsyncHTTPTransport()
        let error = await expectTransportError(transport, HTTPRequestData(method: "GET", url: "http://\(host):8080/"))
        await transport.shutdown()
        XCTAssertEqual(error?.kind, .connect, "\(String(describing: error))")
        XCTAssertEqual(error?.message, "could not resolve host (\(host):8080)")
    }

    func testTLSHandshakeFailureIsConnect() async throws {
        // A plain-HTTP server answering a ClientHello with HTTP is a failed handshake.
        try await withRawServer({ conn in
            try await conn.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            await conn.close()
        }) { server, transport in
            let url = "https://127.0.0.1:\(server.port)/"
            let error = await expectTransportError(transport, HTTPRequestData(method: "GET", url: url))
            XCTAssertEqual(error?.kind, .connect, "\(String(describing: error))")
            XCTAssertEqual(error?.message, "TLS handshake failed (127.0.0.1:\(server.port))")
        }
    }

    // MARK: Unusable requests: .invalidRequest

    func testUnusableURLsAreInvalidRequests() async throws {
        let transport = AsyncHTTPTransport()
        for url in ["ftp://example.test/file", "not a url", "http:///path-only", "//example.test/", ""] {
            let error = await expectTransportError(transport, HTTPRequestData(method: "GET", url: url))
            XCTAssertEqual(error?.kind, .invalidRequest, url)
        }
        let error = await expectTransportError(transport, HTTPRequestData(method: "GET", url: "ftp://example.test/"))
        XCTAssertEqual(error?.message, "unsupported URL scheme 'ftp' (expected http or https)")
        await transport.shutdown()
    }

    func testBadHeadersAndMethodsAreRejectedWithoutEchoingValues() async throws {
        let transport = AsyncHTTPTransport()
        let secret = "Bearer s3cr3t\r\nX-Injected: 1"
        let injected = await expectTransportError(
            transport,
            HTTPRequestData(method: "GET", url: "http://127.0.0.1:9/", headers: [("Authorization", secret)]))
        XCTAssertEqual(injected?.kind, .invalidRequest)
        XCTAssertEqual(injected?.message, "header Authorization has a line break in its value (127.0.0.1:9)")
        let badName = await expectTransportError(
            transport, HTTPRequestData(method: "GET", url: "http://127.0.0.1:9/", headers: [("Bad Name", "v")]))
        XCTAssertEqual(badName?.kind, .invalidRequest)
        let badMethod = await expectTransportError(transport, HTTPRequestData(method: "GE T", url: "http://127.0.0.1:9/"))
        XCTAssertEqual(badMethod?.kind, .invalidRequest)
        await transport.shutdown()
    }

    // MARK: Classification of errors the live tests cannot provoke reliably

    func testClassifierSortsLowLevelErrors() {
        let endpoint = try! TransportEndpoint(url: "https://api.example.test/v1")
        func kind(_ error: any Error) -> TransportError.Kind {
            AsyncHTTPTransport.classify(error, endpoint: endpoint, timeout: .seconds(2), connectTimeout: .seconds(5)).kind
        }
        XCTAssertEqual(kind(IOError(errnoCode: ECONNRESET, reason: "read")), .closed)
        XCTAssertEqual(kind(IOError(errnoCode: EPIPE, reason: "write")), .closed)
        XCTAssertEqual(kind(IOError(errnoCode: ECONNREFUSED, reason: "connect")), .connect)
        XCTAssertEqual(kind(IOError(errnoCode: EHOSTUNREACH, reason: "connect")), .connect)
        XCTAssertEqual(kind(ChannelError.connectTimeout(.seconds(5))), .connect)
        XCTAssertEqual(kind(ChannelError.eof), .closed)
        XCTAssertEqual(kind(HTTPClientError.connectTimeout), .connect)
        XCTAssertEqual(kind(HTTPClientError.tlsHandshakeTimeout), .connect)
        XCTAssertEqual(kind(HTTPClientError.getConnectionFromPoolTimeout), .connect)
        XCTAssertEqual(kind(HTTPClientError.deadlineExceeded), .timeout)
        XCTAssertEqual(kind(HTTPClientError.readTimeout), .timeout)
        XCTAssertEqual(kind(HTTPClientError.remoteConnectionClosed), .closed)
        XCTAssertEqual(kind(HTTPClientError.cancelled), .cancelled)
        XCTAssertEqual(kind(CancellationError()), .cancelled)
        XCTAssertEqual(kind(HTTPClientError.unsupportedScheme("gopher")), .invalidRequest)
        XCTAssertEqual(kind(HTTPParserError.invalidEOFState), .closed)
        XCTAssertEqual(kind(HTTPParserError.invalidStatus), .other)
        struct Strange: Error {}
        XCTAssertEqual(kind(Strange()), .other)

        let values = AsyncHTTPTransport.classify(
            HTTPClientError.invalidHeaderFieldValues(["Bearer s3cr3t"]), endpoint: endpoint, timeout: .seconds(2),
            connectTimeout: .seconds(5))
        XCTAssertEqual(values.kind, .invalidRequest)
        XCTAssertFalse(values.message.contains("s3cr3t"))
        XCTAssertEqual(
            AsyncHTTPTransport.classify(
                HTTPClientError.deadlineExceeded, endpoint: endpoint, timeout: .milliseconds(1500),
                connectTimeout: .seconds(5)
            ).message, "no response within 1.5s (api.example.test:443)")
    }

    func testFormatting() throws {
        XCTAssertEqual(AsyncHTTPTransport.seconds(.seconds(2)), "2s")
        XCTAssertEqual(AsyncHTTPTransport.seconds(.milliseconds(250)), "250ms")
        XCTAssertEqual(AsyncHTTPTransport.byteCount(10 * 1024 * 1024), "10 MiB")
        XCTAssertEqual(AsyncHTTPTransport.byteCount(512 * 1024), "512 KiB")
        XCTAssertEqual(try TransportEndpoint(url: "http://[::1]:8080/x").description, "[::1]:8080")
        XCTAssertEqual(try TransportEndpoint(url: "HTTPS://Example.test?q=secret").description, "Example.test:443")
    }

    /// The endpoint reader has a fast path for plain URLs; whichever path a URL takes, host and
    /// port must be what Foundation's URL parser says, and malformed URLs keep their messages.
    func testEndpointAgreesWithURLComponents() throws {
        let urls = [
            "http://127.0.0.1:8080/health", "https://api.example.test", "http://api.example.test:80/a?b=c#d",
            "HTTP://API.Example.Test/x", "http://[::1]/x", "https://[2001:db8::7]:8443?x", "http://h-1.example/#frag",
            "https://user:secret@example.test/x", "http://exa_mple.test/x", "http://example.test:0/", "http://a.b.c:65535",
            "http://xn--bcher-kva.example/x", "https://example.test./x", "http://1.2.3.4:5",
            "http://example.test:99999/x",
        ]
        for url in urls {
            let c = try XCTUnwrap(URLComponents(string: url), url)
            let scheme = c.scheme!.lowercased()
            let endpoint = try TransportEndpoint(url: url)
            XCTAssertEqual(endpoint.host, c.host, url)
            XCTAssertEqual(endpoint.port, c.port ?? (scheme == "https" ? 443 : 80), url)
        }
        let bad: [(String, String)] = [
            ("api.example.test/health", "URL has no scheme (expected http or https)"),
            ("ftp://example.test/x", "unsupported URL scheme 'ftp' (expected http or https)"),
            ("http:///x", "URL has no host"),
            ("http://example.test:8o/x", "invalid URL"),
            ("http://exa mple.test/", "invalid URL"),
        ]
        for (url, message) in bad {
            XCTAssertThrowsError(try TransportEndpoint(url: url), url) { error in
                XCTAssertEqual((error as? TransportError)?.message, message, url)
            }
        }
    }

    func testHeaderNamesCompareIgnoringASCIICaseOnly() {
        XCTAssertTrue("Content-Type".equalsIgnoringASCIICase("content-type"))
        XCTAssertTrue("X-API-KEY".equalsIgnoringASCIICase("x-api-key"))
        XCTAssertFalse("Content-Type".equalsIgnoringASCIICase("Content-Typ"))
        XCTAssertFalse("X-A".equalsIgnoringASCIICase("X-B"))
        // Only letters fold: '@' (0x40) and '`' (0x60) differ by the same bit as 'A' and 'a'.
        XCTAssertFalse("X@".equalsIgnoringASCIICase("X`"))
        XCTAssertFalse("[".equalsIgnoringASCIICase("{"))
        XCTAssertFalse("É".equalsIgnoringASCIICase("é"))
        XCTAssertEqual([(name: "ETag", value: "1"), (name: "etag", value: "2")].value(of: "ETAG"), "1")
    }
}

/// A one-shot flag shared between a server script and the test.
private final class LockedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}

/// A loopback listener that never accepts, its one-slot queue taken by a parked connection.
private final class FullBacklogListener {
    let port: Int
    private let listenerFD: CInt
    private let parkedFD: CInt

    init() throws {
        let listenerFD = socket(AF_INET, streamSocket, 0)
        self.listenerFD = listenerFD
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                guard bind(listenerFD, raw, length) == 0, listen(listenerFD, 0) == 0,
                    getsockname(listenerFD, raw, &length) == 0
                else { throw POSIXError(.EADDRNOTAVAIL) }
            }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        let parkedFD = socket(AF_INET, streamSocket, 0)
        self.parkedFD = parkedFD
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(parkedFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
    }

    func close() {
        #if canImport(Glibc)
        _ = Glibc.close(parkedFD)
        _ = Glibc.close(listenerFD)
        #else
        _ = Darwin.close(parkedFD)
        _ = Darwin.close(listenerFD)
        #endif
    }
}

#if canImport(Glibc)
private let streamSocket = Int32(SOCK_STREAM.rawValue)
#else
private let streamSocket = SOCK_STREAM
#endif
