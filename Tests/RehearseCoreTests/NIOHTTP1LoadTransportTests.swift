import DemoServer
import Foundation
import XCTest

@testable import RehearseModel
@testable import RehearseRuntime
@testable import RehearseTransportNIO

/// The lean HTTP/1.1 client of load cases, against the demo server over real sockets: what it
/// sends and reads, keep-alive, and failures sorted as AsyncHTTPTransport sorts them.
final class NIOHTTP1LoadTransportTests: XCTestCase {
    func withServer(_ body: (DemoServer, NIOHTTP1LoadTransport) async throws -> Void) async throws {
        let server = try await DemoServer.start(DemoServerConfiguration(jwtSecret: "t"))
        let fallback = AsyncHTTPTransport()
        let transport = NIOHTTP1LoadTransport(fallback: fallback)
        do { try await body(server, transport) } catch {
            await transport.shutdown(); await fallback.shutdown(); await server.stop()
            throw error
        }
        await transport.shutdown()
        await fallback.shutdown()
        await server.stop()
    }

    func failure(_ t: NIOHTTP1LoadTransport, _ r: HTTPRequestData) async -> TransportError? {
        do throws(TransportError) {
            _ = try await t.send(r)
            return nil
        } catch { return error }
    }

    func testSendsMethodPathQueryHeadersAndBody() async throws {
        try await withServer { server, transport in
            let r = try await transport.send(HTTPRequestData(method: "POST", url: server.baseURL + "/echo/a/b?x=1&y=two#frag",
                                                             headers: [("X-Trace", "abc"), ("Content-Type", "application/json")],
                                                             body: Array(#"{"k":1}"#.utf8)))
            XCTAssertEqual(r.status, 200)
            let doc = try JSONValue.parse(r.body)
            XCTAssertEqual(doc["method"], .string("POST"))
            XCTAssertEqual(doc["path"], .string("/echo/a/b"))
            XCTAssertEqual(doc["query"]?["y"], .string("two"))
            XCTAssertEqual(doc["headers"]?["x-trace"], .string("abc"))
            XCTAssertEqual(doc["headers"]?["host"], .string("127.0.0.1:\(server.port)"))
            XCTAssertEqual(doc["json"]?["k"], .number(1))
            XCTAssertNotNil(r.header("content-type"))
        }
    }

    func testKeepsConnectionsAliveAcrossRequests() async throws {
        try await withServer { server, transport in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        var ok = 0
                        for _ in 0..<50 where try await transport.send(HTTPRequestData(method: "GET", url: server.baseURL + "/health")).status == 200 {
                            ok += 1
                        }
                        return ok
                    }
                }
                var total = 0
                for try await n in group { total += n }
                XCTAssertEqual(total, 200)
            }
            let pooled = transport.idleConnections
            XCTAssertGreaterThan(pooled, 0)
            XCTAssertLessThanOrEqual(pooled, 4, "200 requests four at a time reuse at most four connections")
        }
    }

    func testFailuresAreSortedLikeTheMainTransport() async throws {
        try await withServer { server, transport in
            var request = HTTPRequestData(method: "GET", url: server.baseURL + "/slow?ms=2000")
            request.timeout = .milliseconds(200)
            let timedOut = await failure(transport, request)
            XCTAssertEqual(timedOut?.kind, .timeout)
            XCTAssertEqual(timedOut?.message, "no response within 200ms (127.0.0.1:\(server.port))")
            let refused = await failure(transport, HTTPRequestData(method: "GET", url: "http://127.0.0.1:1/health"))
            XCTAssertEqual(refused?.kind, .connect)
            let invalid = await failure(transport, HTTPRequestData(method: "GE T", url: server.baseURL + "/health"))
            XCTAssertEqual(invalid?.kind, .invalidRequest)
            // After a timeout the connection is closed, not reused: the next request still works.
            let after = try await transport.send(HTTPRequestData(method: "GET", url: server.baseURL + "/status/503"))
            XCTAssertEqual(after.status, 503)
        }
    }

    /// TLS goes through NIOSSL with the main transport's settings, and the handshake is part of
    /// connecting: a plain HTTP server that never answers the ClientHello is a handshake that
    /// times out within the connect timeout, sorted as `connect` (nothing was sent), not a
    /// request timeout.
    func testTLSHandshakeIsBoundedByTheConnectTimeout() async throws {
        let server = try await DemoServer.start(DemoServerConfiguration(jwtSecret: "t"))
        var options = AsyncHTTPTransport.Options()
        options.connectTimeout = .milliseconds(300)
        let transport = NIOHTTP1LoadTransport(options: options, fallback: AsyncHTTPTransport(options: options))
        let error = await failure(transport, HTTPRequestData(method: "GET", url: "https://127.0.0.1:\(server.port)/health"))
        XCTAssertEqual(error?.kind, .connect, "\(String(describing: error))")
        XCTAssertEqual(error?.message, "TLS handshake timed out (127.0.0.1:\(server.port))")
        await transport.shutdown()
        await server.stop()
    }

    func testBodyCap() async throws {
        let server = try await DemoServer.start(DemoServerConfiguration(jwtSecret: "t"))
        var options = AsyncHTTPTransport.Options()
        options.maxBodyBytes = 1000
        let transport = NIOHTTP1LoadTransport(options: options, fallback: AsyncHTTPTransport(options: options))
        let tooLarge = await failure(transport, HTTPRequestData(method: "GET", url: server.baseURL + "/large?bytes=5000"))
        XCTAssertEqual(tooLarge?.kind, .bodyTooLarge)
        let fits = try await transport.send(HTTPRequestData(method: "GET", url: server.baseURL + "/large?bytes=900"))
        XCTAssertEqual(fits.body.count, 900)
        await transport.shutdown()
        await server.stop()
    }

    func testTargetsItDoesNotHandleGoToTheFallback() {
        XCTAssertNil(LoadTarget("http://user:pw@127.0.0.1/x"))
        XCTAssertNil(LoadTarget("ftp://127.0.0.1/x"))
        XCTAssertEqual(LoadTarget("http://127.0.0.1:8080")?.pathAndQuery, "/")
        XCTAssertEqual(LoadTarget("http://127.0.0.1:8080?a=1")?.pathAndQuery, "/?a=1")
        XCTAssertEqual(LoadTarget("https://api.example.com/v1?q=1#top")?.pathAndQuery, "/v1?q=1")
        XCTAssertEqual(LoadTarget("https://api.example.com/v1")?.hostHeader, "api.example.com")
        XCTAssertEqual(LoadTarget("https://api.example.com/v1")?.serverName, "api.example.com")
        XCTAssertNil(LoadTarget("https://10.0.0.1/v1")?.serverName, "no SNI for an address")
    }
}
