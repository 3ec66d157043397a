import Foundation
import NIOCore
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

/// The websocket-kit transport against scripted raw servers: what a refused, silent or broken
/// handshake turns into. Deadlines are real but short.
final class WebSocketKitTransportTests: XCTestCase {
    func testARefusalKeepsItsRealStatusAndHeadersAndTheRequestIsAsGiven() async throws {
        let seen = RequestBox()
        let server = try await RawHTTPServer.start { connection in
            guard let request = try await connection.readRequest() else { return }
            seen.set(request)
            try await connection.respond(401, "Unauthorized", headers: [("WWW-Authenticate", "Bearer"), ("Content-Type", "application/json")],
                                         body: Array(#"{"error":"missing_token"}"#.utf8))
        }
        let transport = WebSocketKitTransport()
        let handshake = try await transport.connect(
            url: "ws://127.0.0.1:\(server.port)/ws/a%20b?token=x%2By", headers: [("X-Test-Type", "E2E")],
            subprotocols: ["chat.v1", "jwt.abc"], timeout: .seconds(5))
        await transport.shutdown()
        await server.stop()
        guard case .refused(let status, let headers, let body) = handshake else { return XCTFail("\(handshake)") }
        XCTAssertEqual(status, 401)
        XCTAssertEqual(headers.first { $0.name == "WWW-Authenticate" }?.value, "Bearer")
        XCTAssertNil(body, "websocket-kit does not hand over the body of a refusal")
        let request = try XCTUnwrap(seen.value)
        XCTAssertEqual(request.method, "GET")
        XCTAssertEqual(request.target, "/ws/a%20b?token=x%2By", "path and query stay encoded as written")
        XCTAssertEqual(request.header("X-Test-Type"), "E2E")
        XCTAssertEqual(request.header("Sec-WebSocket-Protocol"), "chat.v1, jwt.abc")
        XCTAssertEqual(request.header("Upgrade")?.lowercased(), "websocket")
    }

    func testASilentServerTimesOutTheHandshakeAtTheTimeout() async throws {
        let server = try await RawHTTPServer.start { connection in
            _ = try await connection.readRequest()
            try await Task.sleep(for: .seconds(10))
        }
        let transport = WebSocketKitTransport()
        let started = ContinuousClock.now
        let error = await Self.error(transport, "ws://127.0.0.1:\(server.port)/ws", timeout: .milliseconds(300))
        let elapsed = ContinuousClock.now - started
        await transport.shutdown()
        await server.stop()
        XCTAssertEqual(error?.kind, .timeout)
        XCTAssertEqual(error?.message, "no handshake answer within 300ms (127.0.0.1:\(server.port))")
        XCTAssertLessThan(elapsed, .seconds(3))
    }

    /// Ctrl-C cancels the case's task: a handshake still waiting for its answer ends then, not at
    /// its timeout.
    func testCancellingTheTaskEndsAWaitingHandshakeAtOnce() async throws {
        let server = try await RawHTTPServer.start { connection in
            _ = try await connection.readRequest()
            try await Task.sleep(for: .seconds(10))
        }
        let transport = WebSocketKitTransport()
        let url = "ws://127.0.0.1:\(server.port)/ws"
        let started = ContinuousClock.now
        let attempt = Task { () -> TransportError? in
            do throws(TransportError) {
                _ = try await transport.connect(url: url, headers: [], subprotocols: [], timeout: .seconds(8))
                return nil
            } catch {
                return error
            }
        }
        try await Task.sleep(for: .milliseconds(200))
        attempt.cancel()
        let error = await attempt.value
        let elapsed = ContinuousClock.now - started
        await transport.shutdown()
        await server.stop()
        XCTAssertEqual(error?.kind, .cancelled)
        XCTAssertLessThan(elapsed, .seconds(3), "the handshake waited for its timeout after the cancel")
    }

    /// websocket-kit does not report a connection that closes before the handshake answer; it is
    /// seen at the timeout, as a timeout, which the retry policy treats like a drop for a GET.
    func testAServerHangingUpWithoutAnAnswerIsSeenAtTheTimeout() async throws {
        let server = try await RawHTTPServer.start { connection in
            _ = try await connection.readRequest()
            await connection.close()
        }
        let transport = WebSocketKitTransport()
        let error = await Self.error(transport, "ws://127.0.0.1:\(server.port)/ws", timeout: .milliseconds(300))
        await transport.shutdown()
        await server.stop()
        XCTAssertEqual(error?.kind, .timeout)
    }

    func testConnectFailuresAndBadAnswersAreSorted() async throws {
        let closed = try await RawHTTPServer.start { _ in }
        let port = closed.port
        await closed.stop()
        let transport = WebSocketKitTransport()
        let refused = await Self.error(transport, "ws://127.0.0.1:\(port)/ws")
        XCTAssertEqual(refused?.kind, .connect, "nothing listening: retryable as a connect failure")
        XCTAssertEqual(refused?.message, "connection refused (127.0.0.1:\(port))")

        let wrongScheme = await Self.error(transport, "http://127.0.0.1:\(port)/ws")
        XCTAssertEqual(wrongScheme?.kind, .invalidRequest)
        XCTAssertEqual(wrongScheme?.message, "unsupported URL scheme 'http' (expected ws or wss)")

        let liar = try await RawHTTPServer.start { connection in
            _ = try await connection.readRequest()
            try await connection.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: wrong\r\n\r\n")
            try await Task.sleep(for: .seconds(5))
        }
        let bad = await Self.error(transport, "ws://127.0.0.1:\(liar.port)/ws")
        XCTAssertEqual(bad?.kind, .other, "a 101 with a wrong accept key is not a usable socket")
        await transport.shutdown()
        await liar.stop()
    }

    static func error(_ transport: WebSocketKitTransport, _ url: String, timeout: Duration = .seconds(5)) async -> TransportError? {
        do throws(TransportError) {
            let handshake = try await transport.connect(url: url, headers: [], subprotocols: [], timeout: timeout)
            XCTFail("expected an error, got \(handshake)")
            return nil
        } catch {
            return error
        }
    }
}

/// The one request a raw server script saw.
final class RequestBox: @unchecked Sendable {
    private let lock = NSLock()
    private var request: RawRequest?
    func set(_ r: RawRequest) { lock.withLock { request = r } }
    var value: RawRequest? { lock.withLock { request } }
}
