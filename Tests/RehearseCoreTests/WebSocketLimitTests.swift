import Crypto
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

/// A WebSocket message over the client's size limit is reported as the limit, not as a server
/// that went away (issue #17 item 15).
final class WebSocketLimitTests: XCTestCase {
    /// Accepts the upgrade, then sends the head of a binary frame that announces `length` bytes.
    static func oversizedFrameServer(length: UInt64, after delay: Duration) async throws -> RawHTTPServer {
        try await RawHTTPServer.start { connection in
            guard let request = try await connection.readRequest(), let key = request.header("Sec-WebSocket-Key") else { return }
            let accept = Data(Insecure.SHA1.hash(data: Data((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8))).base64EncodedString()
            try await connection.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: \(accept)\r\n\r\n")
            try await Task.sleep(for: delay)
            var frame: [UInt8] = [0x82, 127]
            for shift in stride(from: 56, through: 0, by: -8) { frame.append(UInt8((length >> UInt64(shift)) & 0xFF)) }
            try await connection.write(frame + [UInt8](repeating: 0x61, count: 4096))
            try await Task.sleep(for: .seconds(5))
        }
    }

    /// The frame in the same packet as the 101 answer, and a while after it.
    func testAMessageOverTheLimitSaysSo() async throws {
        for delay in [Duration.zero, .milliseconds(300)] { try await check(after: delay) }
    }

    func check(after delay: Duration) async throws {
        let server = try await Self.oversizedFrameServer(length: 11 * 1024 * 1024, after: delay)
        let plan = """
        cases:
          - id: huge
            websocket:
              url: "ws://127.0.0.1:\(server.port)/ws"
              steps:
                - receive: {text: {contains: x}, within: 4s}
        """
        let graph = try EngineFixtures.graph(["p": plan], suite: "version: 1\n")
        var options = RunOptions()
        options.seed = 1
        let webSocket = WebSocketKitTransport()
        let context = try RunContext(graph: graph, options: options, transport: FakeTransport { _, _ throws(TransportError) in
            FakeTransport.json(200, "{}")
        }, webSocket: webSocket)
        let started = ContinuousClock.now
        let report = await Runner.run(context)
        await webSocket.shutdown()
        await server.stop()
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(3), "seen when the frame arrives, not at the deadline")
        XCTAssertEqual(report.result("huge")?.outcome, .failed)
        let message = report.result("huge")?.failures.first?.message ?? ""
        XCTAssertTrue(message.contains("a message over the 10 MiB limit"), "\(delay): \(message)")
        XCTAssertFalse(message.contains("1006"), message)
        XCTAssertFalse(message.contains("server closed"), message)
    }

    /// A binary message that is not text is shown by its size, never as raw bytes (issue #11
    /// item 4); one that is UTF-8 stays readable.
    func testBinaryMessagesInTheTranscriptAreShownBySize() async throws {
        let graph = try EngineFixtures.graph(["p": """
        auth: none
        cases:
          - id: pictures
            websocket:
              url: ws://api.test/ws
              steps:
                - receive: {text: {contains: never}, skip_others: true, within: 1s}
        """])
        let image: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x00, 0x1B, 0x5B, 0x32, 0x4A, 0xFF]
        let server = FakeWebSocketServer(greeting: [.binary(image), .binary(Array(#"{"type":"frame"}"#.utf8))])
        let (report, _) = try await EngineFixtures.run(graph, transport: FakeTransport { _, _ in FakeTransport.json(200, "{}") },
                                                       webSocket: FakeWebSocketTransport(accepting: { server }))
        let transcript = try XCTUnwrap(report.result("pictures")?.exchange?.bodyExcerpt)
        XCTAssertTrue(transcript.contains("<10 bytes, binary message>"), transcript)
        XCTAssertTrue(transcript.contains(#"(binary, 16 bytes) {"type":"frame"}"#), transcript)
        XCTAssertFalse(transcript.contains("PNG"), transcript)
    }
}
