import DemoServer
import Foundation
import XCTest

@testable import RehearseModel
@testable import RehearseRuntime
@testable import RehearseTransportNIO

/// The SSE transport over real sockets against servers that misbehave: silent, cut off
/// mid-event, one huge event, a flood of small ones, no head at all. Each ends as the spec
/// says, none waits past its bound, and the queue stays bounded.
final class SSETransportTests: XCTestCase {
    static let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"

    func open(_ url: String, transport: AsyncHTTPTransport = AsyncHTTPTransport(), timeout: Duration = .seconds(5))
        async throws -> (any MessageStream, ContinuousClock.Instant)
    {
        let opening = try await transport.open(HTTPRequestData(method: "GET", url: url, timeout: timeout))
        guard case .stream(let status, _, let stream, let sentAt, _) = opening else {
            XCTFail("expected a stream")
            throw XCTSkip("no stream")
        }
        XCTAssertEqual(status, 200)
        return (stream, sentAt)
    }

    func testASilentStreamTimesOutAtWithinAndCloses() async throws {
        let server = try await RawHTTPServer.start { c in
            _ = try await c.readRequest()
            try await c.write(Self.head + ": hello\n\n")
            try await Task.sleep(for: .seconds(30))
        }
        let transport = AsyncHTTPTransport()
        let (stream, _) = try await open(server.baseURL, transport: transport)
        let started = ContinuousClock.now
        guard case .timedOut = await stream.next(within: .milliseconds(300)) else { return XCTFail("expected a timeout") }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(3))
        await stream.close()
        guard case .ended = await stream.next(within: .seconds(1)) else { return XCTFail("closed streams end") }
        await transport.shutdown()
        await server.stop()
    }

    func testAnInterruptEndsAWaitAtOnce() async throws {
        let server = try await RawHTTPServer.start { c in
            _ = try await c.readRequest()
            try await c.write(Self.head)
            try await Task.sleep(for: .seconds(30))
        }
        let transport = AsyncHTTPTransport()
        let (stream, _) = try await open(server.baseURL, transport: transport)
        let started = ContinuousClock.now
        let waiting = Task { await stream.next(within: .seconds(30)) }
        try await Task.sleep(for: .milliseconds(100))
        waiting.cancel()
        guard case .timedOut = await waiting.value else { return XCTFail("a cancelled wait ends as a timeout") }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(10), "not the 30s `within`")
        await stream.close()
        await transport.shutdown()
        await server.stop()
    }

    func testAStreamCutOffMidEventDropsTheHalfEventAndEnds() async throws {
        let server = try await RawHTTPServer.start { c in
            _ = try await c.readRequest()
            try await c.write(Self.head + "event: a\ndata: whole\n\nevent: b\ndata: hal")
            await c.close()
        }
        let transport = AsyncHTTPTransport()
        let (stream, _) = try await open(server.baseURL, transport: transport)
        guard case .message(let m) = await stream.next(within: .seconds(5)) else { return XCTFail("the whole event") }
        XCTAssertEqual(m.event, "a")
        XCTAssertEqual(m.text, "whole")
        guard case .ended = await stream.next(within: .seconds(5)) else { return XCTFail("then the end, not the half event") }
        await stream.close()
        await transport.shutdown()
        await server.stop()
    }

    func testOneEventOverTheCapEndsTheStreamInsteadOfGrowing() async throws {
        let server = try await RawHTTPServer.start { c in
            _ = try await c.readRequest()
            try await c.write(Self.head + "data: small\n\ndata: ")
            let chunk = [UInt8](repeating: 0x61, count: 64 * 1024)
            for _ in 0..<(20 * 16) { try await c.write(chunk) }  // 20 MiB, never ended
        }
        var options = AsyncHTTPTransport.Options()
        options.maxBodyBytes = 1024 * 1024
        let transport = AsyncHTTPTransport(options: options)
        let (stream, _) = try await open(server.baseURL, transport: transport)
        guard case .message = await stream.next(within: .seconds(5)) else { return XCTFail("the small event first") }
        guard case .ended(let end) = await stream.next(within: .seconds(10)) else { return XCTFail("the big one ends it") }
        XCTAssertEqual(end, .tooLarge(limit: 1024 * 1024))
        await stream.close()
        await transport.shutdown()
        await server.stop()
    }

    func testAHundredThousandEventsArriveInOrderWithABoundedQueue() async throws {
        let server = try await DemoServer.start(DemoServerConfiguration(jwtSecret: "x"))
        let transport = AsyncHTTPTransport()
        let (stream, _) = try await open(server.baseURL + "/stream/ticks?count=100000", transport: transport)
        // Read late, so the server runs ahead and the back-pressure has to hold it.
        try await Task.sleep(for: .milliseconds(300))
        var count = 0
        reading: while true {
            switch await stream.next(within: .seconds(20)) {
            case .message(let m):
                if count % 25_000 == 0 { XCTAssertEqual(m.text, #"{"i":\#(count)}"#) }
                count += 1
            case .ended(let end):
                XCTAssertEqual(end, .finished)
                break reading
            case .timedOut:
                XCTFail("stalled after \(count)")
                break reading
            }
        }
        XCTAssertEqual(count, 100_000)
        let peak = try XCTUnwrap(stream as? SSEStreamDelegate).peakQueued
        XCTAssertLessThan(peak, SSEStreamDelegate.highWater + 5_000, "reading paused while the engine was behind")
        await stream.close()
        await transport.shutdown()
        await server.stop()
    }

    func testArrivalIsStampedAtTheSocketNotWhenRead() async throws {
        let server = try await RawHTTPServer.start { c in
            _ = try await c.readRequest()
            try await c.write(Self.head + "data: 1\n\n")
            try await Task.sleep(for: .milliseconds(250))
            try await c.write("data: 2\n\n")
        }
        let transport = AsyncHTTPTransport()
        let (stream, sentAt) = try await open(server.baseURL, transport: transport)
        try await Task.sleep(for: .milliseconds(900))  // both have arrived before we look
        guard case .message(let a) = await stream.next(within: .seconds(5)),
              case .message(let b) = await stream.next(within: .seconds(5)) else { return XCTFail("two events") }
        XCTAssertGreaterThanOrEqual(b.arrival - a.arrival, .milliseconds(200), "the gap the server made, not ~0")
        XCTAssertLessThan(a.arrival - sentAt, .milliseconds(850), "stamped on arrival, not when read")
        await stream.close()
        await transport.shutdown()
        await server.stop()
    }

    func testOtherAnswersComeBackWholeAndAMissingHeadTimesOut() async throws {
        let server = try await RawHTTPServer.start { c in
            guard let request = try await c.readRequest() else { return }
            if request.target == "/json" {
                try await c.respond(401, "Unauthorized", headers: [("Content-Type", "application/json"), ("Connection", "close")],
                                    body: Array(#"{"error":"missing_token"}"#.utf8))
            } else {
                try await Task.sleep(for: .seconds(30))
            }
        }
        let transport = AsyncHTTPTransport()
        let answer = try await transport.open(HTTPRequestData(method: "POST", url: server.baseURL + "/json", timeout: .seconds(5)))
        guard case .response(let r) = answer else { return XCTFail("a whole response") }
        XCTAssertEqual(r.status, 401)
        XCTAssertEqual(r.bodyText, #"{"error":"missing_token"}"#)
        let started = ContinuousClock.now
        do {
            _ = try await transport.open(HTTPRequestData(method: "GET", url: server.baseURL + "/hang", timeout: .milliseconds(300)))
            XCTFail("no head, no stream")
        } catch {
            XCTAssertEqual(error.kind, .timeout)
            XCTAssertTrue(error.message.hasPrefix("no response head within 300ms"), error.message)
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(4))
        await transport.shutdown()
        await server.stop()
    }
}
