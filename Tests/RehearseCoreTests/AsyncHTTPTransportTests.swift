import Foundation
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

/// The transport against a scripted loopback server: what comes back when the backend behaves,
/// and which `TransportError.Kind` each way of misbehaving produces (the kind decides retries).
final class AsyncHTTPTransportTests: XCTestCase {

    // MARK: Responses

    func testJSONResponseKeepsStatusHeadersAndBody() async throws {
        let json = #"{"id":42,"tags":["a","b"]}"#
        try await withRawServer({ conn in
            _ = try await conn.readRequest()
            try await conn.respond(
                200,
                headers: [
                    ("Content-Type", "application/json"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"),
                ], body: Array(json.utf8))
        }) { server, transport in
            let response = try await transport.send(HTTPRequestData(method: "GET", url: server.baseURL + "/items/42"))
            XCTAssertEqual(response.status, 200)
            XCTAssertEqual(response.header("content-type"), "application/json")
            XCTAssertEqual(response.headers.filter { $0.name.lowercased() == "set-cookie" }.map(\.value), ["a=1", "b=2"])
            XCTAssertEqual(try JSONValue.parse(response.bodyText), ["id": 42, "tags": ["a", "b"]])
            XCTAssertGreaterThan(response.duration, .zero)
        }
    }

    func testEchoKeepsMethodDuplicateHeadersAndBinaryBody() async throws {
        try await withRawServer({ conn in
            guard let request = try await conn.readRequest() else { return }
            let echo: JSONValue = [
                "method": .string(request.method), "target": .string(request.target),
                "headers": .array(request.headers.map { [.string($0.name), .string($0.value)] }),
                "body": .string(Data(request.body).base64EncodedString()),
            ]
            try await conn.respond(200, body: Array(echo.jsonText.utf8))
        }) { server, transport in
            let body: [UInt8] = Array(0...255) + [0, 0, 13, 10, 0xFF]
            let request = HTTPRequestData(
                method: "PATCH", url: server.baseURL + "/things?x=1",
                headers: [("X-Dup", "first"), ("X-Dup", "second"), ("Content-Type", "application/octet-stream")],
                body: body)
            let echo = try JSONValue.parse(try await transport.send(request).bodyText)
            XCTAssertEqual(echo["method"], "PATCH")
            XCTAssertEqual(echo["target"], "/things?x=1")
            guard case .array(let headers)? = echo["headers"] else { return XCTFail("no headers in \(echo)") }
            let dups = headers.compactMap { pair -> String? in
                guard case .array(let p) = pair, p.first?.stringValue?.lowercased() == "x-dup" else { return nil }
                return p.last?.stringValue
            }
            XCTAssertEqual(dups, ["first", "second"])
            XCTAssertEqual(echo["body"]?.stringValue.flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) }, body)
        }
    }

    func testServiceUnavailableIsAResponseWithRetryAfter() async throws {
        try await withRawServer({ conn in
            _ = try await conn.readRequest()
            try await conn.respond(503, "Service Unavailable", headers: [("Retry-After", "7")], body: Array("busy".utf8))
        }) { server, transport in
            let response = try await transport.send(HTTPRequestData(method: "GET", url: server.baseURL + "/"))
            XCTAssertEqual(response.status, 503)
            XCTAssertEqual(response.header("Retry-After"), "7")
            XCTAssertEqual(response.bodyText, "busy")
        }
    }

    func testRedirectIsReturnedNotFollowed() async throws {
        try await withRawServer({ conn in
            while let request = try await conn.readRequest() {
                if request.target == "/old" {
                    try await conn.respond(302, "Found", headers: [("Location", "/new")])
                } else {
                    try await conn.respond(200, body: Array("followed".utf8))
                }
            }
        }) { server, transport in
            let response = try await transport.send(HTTPRequestData(method: "POST", url: server.baseURL + "/old"))
            XCTAssertEqual(response.status, 302)
            XCTAssertEqual(response.header("location"), "/new")
            XCTAssertEqual(server.stats.requests, 1)
        }
    }

    func testHeadWithLargeContentLengthIsNotOverTheCap() async throws {
        var options = AsyncHTTPTransport.Options()
        options.maxBodyBytes = 1024
        try await withRawServer(options: options, { conn in
            _ = try await conn.readRequest()
            try await conn.write("HTTP/1.1 200 OK\r\nContent-Length: 52428800\r\n\r\n")
        }) { server, transport in
            let response = try await transport.send(HTTPRequestData(method: "HEAD", url: server.baseURL + "/big"))
            XCTAssertEqual(response.status, 200)
            XCTAssertEqual(response.body, [])
        }
    }

    func testConcurrentRequestsAllSucceed() async throws {
        try await withRawServer({ conn in
            while let request = try await conn.readRequest() {
                try await conn.respond(200, body: Array(request.target.utf8))
            }
        }) { server, transport in
            let failures = try await withThrowingTaskGroup(of: [String].self) { group in
                for worker in 0..<20 {
                    group.addTask {
                        var failures: [String] = []
                        for i in 0..<10 {
                            let path = "/w\(worker)/r\(i)"
                            do {
                                let response = try await transport.send(HTTPRequestData(method: "GET", url: server.baseURL + path))
                                if response.status != 200 || response.bodyText != path { failures.append(path) }
                            } catch {
                                failures.append("\(path): \(error)")
                            }
                        }
                        return failures
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            XCTAssertEqual(failures, [])
            XCTAssertEqual(server.stats.requests, 200)
            XCTAssertLessThanOrEqual(server.stats.connections, 64, "connections are pooled")
        }
    }

    // MARK: Timeouts and cancellation

    func testSilentServerTimesOutNearTheTimeout() async throws {
        try await withRawServer({ conn in
            _ = try await conn.readRequest()
            try await Task.sleep(for: .seconds(5))  // bounded, so a broken timeout fails instead of hanging
        }) { server, transport in
            let started = ContinuousClock.now
            let error = await expectTransportError(
                transport, HTTPRequestData(method: "GET", url: server.baseURL + "/", timeout: .seconds(1)))
            let elapsed = ContinuousClock.now - started
            XCTAssertEqual(error?.kind, .timeout)
            XCTAssertEqual(error?.message, "no response within 1s (127.0.0.1:\(server.port))")
            XCTAssertGreaterThanOrEqual(elapsed, .milliseconds(950))
            XCTAssertLessThan(elapsed, .seconds(2))
        }
    }

    func testStalledBodyTimesOut() async throws {
        try await withRawServer({ conn in
            _ = try await conn.readRequest()
            try await conn.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part")
            try await Task.sleep(for: .seconds(5))  // bounded, so a broken timeout fails instead of hanging
        }) { server, transport in
            let started = ContinuousClock.now
            let error = await expectTransportError(
                transport, HTTPRequestData(method: "GET", url: server.baseURL + "/", timeout: .milliseconds(800)))
            XCTAssertEqual(error?.kind, .timeout)
            XCTAssertLessThan(ContinuousClock.now - started, .milliseconds(1800))
        }
    }

    /// The timeout bounds the whole exchange, not the gap between reads: a body that keeps coming,
    /// a byte every 100 ms, still ends at the timeout.
    func testTricklingBodyTimesOutAtTheWholeExchangeTimeout() async throws {
        try await withRawServer({ conn in
            _ = try await conn.readRequest()
            try await conn.write("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n")
            for _ in 0..<50 {  // 5 s in all, so a broken timeout fails instead of hanging
                try await conn.write("x")
                try await Task.sleep(for: .milliseconds(100))
            }
        }) { server, transport in
            let started = ContinuousClock.now
            let error = await expectTransportError(
                transport, HTTPRequestData(method: "GET", url: server.baseURL + "/", timeout: .milliseconds(800)))
            let elapsed = ContinuousClock.now - started
            XCTAssertEqual(error?.kind, .timeout)
            XCTAssertEqual(error?.message, "no response within 800ms (127.0.0.1:\(server.port))")
            XCTAssertGreaterThanOrEqual(elapsed, .milliseconds(750))
            XCTAssertLessThan(elapsed, .milliseconds(1800))
        }
    }

    func testCancellingTheTaskReturnsPromptly() async throws {
        try await withRawServer({ conn in
            _ = try await conn.readRequest()
            try await Task.sleep(for: .seconds(5))  // bounded, so a broken timeout fails instead of hanging
        }) { server, transport in
            let task = Task { () async -> TransportError? in
                await expectTransportError(
                    transport, HTTPRequestData(method: "GET", url: server.baseURL + "/", timeout: .seconds(30)))
            }
            try await waitUntil { server.stats.requests == 1 }
            let cancelled = ContinuousClock.now
            task.cancel()
            let error = await task.value
            XCTAssertEqual(error?.kind, .cancelled)
            XCTAssertLessThan(ContinuousClock.now - cancelled, .milliseconds(750))
        }
    }

    func testAlreadyCancelledTaskSendsNothing() async throws {
        try await withRawServer({ conn in
            _ = try await conn.readRequest()
            try await conn.respond(200)
        }) { server, transport in
            let task = Task { () async -> TransportError? in
                while !Task.isCancelled { await Task.yield() }
                return await expectTransportError(transport, HTTPRequestData(method: "GET", url: server.baseURL + "/"))
            }
            task.cancel()
            let error = await task.value
            XCTAssertEqual(error?.kind, .cancelled)
            XCTAssertEqual(server.stats.requests, 0)
        }
    }
}

/// Runs `body` against a fresh server and transport, shutting both down however it ends.
func withRawServer(
    options: AsyncHTTPTransport.Options = .init(), _ script: @escaping RawHTTPServer.Script,
    _ body: (RawHTTPServer, AsyncHTTPTransport) async throws -> Void
) async throws {
    let server = try await RawHTTPServer.start(script)
    let transport = AsyncHTTPTransport(options: options)
    do {
        try await body(server, transport)
    } catch {
        await transport.shutdown()
        await server.stop()
        throw error
    }
    await transport.shutdown()
    await server.stop()
}

/// The error `send` threw, or nil (and a test failure) if it returned a response.
func expectTransportError(
    _ transport: AsyncHTTPTransport, _ request: HTTPRequestData, file: StaticString = #filePath, line: UInt = #line
) async -> TransportError? {
    do {
        let response = try await transport.send(request)
        XCTFail("expected an error, got status \(response.status)", file: file, line: line)
        return nil
    } catch {
        return error
    }
}

/// Polls `condition` for up to five seconds.
private func waitUntil(_ condition: @Sendable () -> Bool, file: StaticString = #filePath, line: UInt = #line) async throws {
    let deadline = ContinuousClock.now + .seconds(5)
    while !condition() {
        guard ContinuousClock.now < deadline else { return XCTFail("condition never held", file: file, line: line) }
        try await Task.sleep(for: .milliseconds(10))
    }
}
