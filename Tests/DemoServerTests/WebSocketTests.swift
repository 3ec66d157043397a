import DemoServer
import Foundation
import HummingbirdWSClient
import XCTest

final class WebSocketTests: DemoServerTestCase {
    func testUpgradeWithoutTokenIsRefusedWith403() async throws {
        let raw = try await rawExchange(port: server.port, upgradeRequest())
        XCTAssertTrue(raw.text.hasPrefix("HTTP/1.1 403"), raw.text)
        XCTAssertTrue(raw.text.lowercased().contains("content-type: application/json"), raw.text)
        XCTAssertTrue(raw.text.contains(#""error":"missing_token""#), raw.text)
        // Exactly one response: Hummingbird's own refusal must not follow ours.
        XCTAssertEqual(raw.text.components(separatedBy: "HTTP/1.1 ").count, 2, raw.text)

        do {
            try await converse(url: server.webSocketURL) { _ in }
            XCTFail("upgrade without a token succeeded")
        } catch let error as WebSocketClientError {
            XCTAssertEqual(error, .webSocketUpgradeFailed)
        }
    }

    func testUpgradeWithInvalidTokenIsRefusedWith403() async throws {
        let expired = TestToken.make(claims: ["exp": Int(Date().timeIntervalSince1970) - 5])
        let requests = [
            upgradeRequest(path: "/ws?token=garbage"),
            upgradeRequest(extraHeaders: ["Authorization: Bearer \(expired)"]),
            upgradeRequest(extraHeaders: ["Sec-WebSocket-Protocol: jwt.\(TestToken.base64URL(Data(TestToken.make(alg: "none").utf8)))"]),
        ]
        for request in requests {
            let raw = try await rawExchange(port: server.port, request)
            XCTAssertTrue(raw.text.hasPrefix("HTTP/1.1 403"), raw.text)
            XCTAssertTrue(raw.text.contains(#""error":"invalid_token""#), raw.text)
        }
        let plainGet = try await send(.GET, server.baseURL + "/ws")
        XCTAssertEqual(plainGet.status, 403)
    }

    func testSubprotocolTokenIsAcceptedAndEchoed() async throws {
        let proto = "jwt." + TestToken.base64URL(Data(TestToken.make().utf8))
        let raw = try await rawExchange(
            port: server.port,
            upgradeRequest(extraHeaders: ["Sec-WebSocket-Protocol: \(proto)"]),
            untilHeadersEnd: true
        )
        XCTAssertTrue(raw.text.hasPrefix("HTTP/1.1 101"), raw.text)
        XCTAssertTrue(raw.text.lowercased().contains("sec-websocket-protocol: \(proto.lowercased())"), raw.text)

        try await converse(
            url: server.webSocketURL,
            configuration: .init(additionalHeaders: [.secWebSocketProtocol: proto])
        ) { ws in
            let welcome = try await ws.receive()
            XCTAssertEqual(welcome["type"] as? String, "system_message")
        }
    }

    func testWelcomePingAndErrors() async throws {
        let token = TestToken.make()
        let configuration = WebSocketClientConfiguration(additionalHeaders: [.authorization: "Bearer \(token)"])
        try await converse(url: server.webSocketURL, configuration: configuration) { ws in
            let welcome = try await ws.receive()
            XCTAssertEqual(welcome["type"] as? String, "system_message")
            XCTAssertEqual(welcome["content"] as? String, "connected")
            XCTAssertFalse((welcome["session_id"] as? String ?? "").isEmpty)

            try await ws.send(json: ["type": "ping"])
            let pong = try await ws.receive()
            XCTAssertEqual(pong["type"] as? String, "pong")

            try await ws.send("this is not json")
            let error = try await ws.receive()
            XCTAssertEqual(error["type"] as? String, "error_message")
            XCTAssertEqual(error["error"] as? String, "invalid_json")

            try await ws.send(json: ["type": "something_new"])
            let ack = try await ws.receive()
            XCTAssertEqual(ack["type"] as? String, "ack")
        }
    }

    func testUserMessageStreamsAgentEventsInOrder() async throws {
        try await converse(url: server.webSocketURL + "?token=\(TestToken.make())") { ws in
            _ = try await ws.receive()
            try await ws.send(json: ["type": "user_message", "content": "why did costs rise?", "thread_id": "th_1"])
            let ack = try await ws.receive()
            XCTAssertEqual(ack["type"] as? String, "ack")
            XCTAssertFalse((ack["message_id"] as? String ?? "").isEmpty)

            var events: [[String: Any]] = []
            for _ in 0..<5 { events.append(try await ws.receive()) }
            XCTAssertEqual(
                events.map { $0["type"] as? String ?? "?" },
                ["agent_started", "agent_thinking", "tool_executing", "tool_completed", "agent_completed"]
            )
            let payloads = events.map { $0["payload"] as? [String: Any] }
            XCTAssertNotNil(payloads[1]?["thought"] as? String)
            XCTAssertEqual(payloads[2]?["tool"] as? String, "cost_query")
            XCTAssertEqual(payloads[3]?["tool"] as? String, "cost_query")
            XCTAssertEqual(payloads[3]?["rows"] as? Int, 42)
            XCTAssertEqual(payloads[4]?["result"] as? String, "Costs rose 12% month over month")
        }
    }

    func testSilenceStopsOutputButKeepsTheSocketOpen() async throws {
        try await converse(url: server.webSocketURL + "?token=\(TestToken.make())") { ws in
            _ = try await ws.receive()
            try await ws.send(json: ["type": "silence"])
            try await ws.send(json: ["type": "ping"])
            let unexpected = await ws.receiveIfAny(within: .milliseconds(300))
            XCTAssertNil(unexpected)
        }
    }

    func testCloseMeClosesWith1011() async throws {
        let closeFrame = try await converse(url: server.webSocketURL + "?token=\(TestToken.make())") { ws in
            _ = try await ws.receive()
            try await ws.send(json: ["type": "close_me"])
            // Nothing else arrives before the close.
            let after = await ws.receiveIfAny(within: .seconds(5))
            XCTAssertNil(after)
        }
        XCTAssertEqual(closeFrame?.closeCode, .unexpectedServerError)
    }
}
