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

/// The step logic of WebSocket cases against scripted fake connections: no network, no sleeping
/// (a fake receive with nothing queued times out at once and records the `within` it got).
final class WebSocketCaseTests: XCTestCase {
    func testAgentFlowSkipsNoiseAndCapturesFeedLaterStepsAndLaterCases() async throws {
        let graph = try EngineFixtures.graph(["p": """
        auth: none
        cases:
          - id: agent
            websocket:
              url: ws://api.test/ws
              steps:
                - receive: {json: {$.type: system_message}, capture: {session: $.session_id}}
                - send: {json: {type: user_message, content: hi, session: "{{ agent.session }}"}}
                - receive: {json: {$.type: agent_started}, skip_others: true}
                - receive:
                    json: {$.type: agent_completed, $.payload.result: {matches: "^Costs"}}
                    within: 5s
                    skip_others: true
                    capture: {answer: $.payload.result}
                - close: 4000
          - id: report
            request: {method: POST, url: "{{ base_url }}/answers", json: {answer: "{{ agent.answer }}"}}
            expect: {status: 201}
        """])
        let server = FakeWebSocketServer.agent()
        let webSocket = FakeWebSocketTransport(accepting: { server })
        let transport = FakeTransport { _, _ in FakeTransport.json(201, "{}") }
        let (report, _) = try await EngineFixtures.run(graph, transport: transport, webSocket: webSocket)

        XCTAssertEqual(report.outcome("agent"), .passed, "\(report.result("agent")?.failures ?? [])")
        XCTAssertEqual(report.result("agent")?.attempts, 1)
        let sent = try JSONValue.parse(try XCTUnwrap(server.sent.first))
        XCTAssertEqual(sent, ["type": "user_message", "content": "hi", "session": "s-1"], "a capture feeds a later step")
        XCTAssertEqual(server.clientCloses, [4000], "the close step's code, and no second close at the end")
        XCTAssertEqual(server.waits.first, .seconds(10), "without `within` a step waits the case timeout")
        XCTAssertTrue(server.waits.contains(.seconds(5)))
        XCTAssertEqual(report.outcome("report"), .passed, "a capture feeds a later case")
        let body = try JSONValue.parse(Data(try XCTUnwrap(transport.requests.first?.body)))
        XCTAssertEqual(body, ["answer": "Costs rose 12%"])
        XCTAssertEqual(webSocket.connects.first?.timeout, .seconds(10))
    }

    func testWithoutSkipOthersTheNextMessageMustMatchAndTheFailureSaysWhere() async throws {
        let graph = try EngineFixtures.graph(["p": """
        auth: none
        cases:
          - id: strict
            websocket:
              url: ws://api.test/ws
              steps:
                - receive: {json: {$.type: system_message}}
                - send: {json: {type: user_message}}
                - receive: {json: {$.type: agent_started}}
                - send: {text: never sent}
        """])
        let server = FakeWebSocketServer.agent()
        let (report, _) = try await EngineFixtures.run(graph, transport: FakeTransport { _, _ in FakeTransport.json(200, "{}") },
                                                       webSocket: FakeWebSocketTransport(accepting: { server }))
        let r = try XCTUnwrap(report.result("strict"))
        XCTAssertEqual(r.outcome, .failed)
        let failure = try XCTUnwrap(r.failures.first)
        XCTAssertEqual(failure.message, #"step 3 (receive): the next message did not match: $.type: expected "agent_started", found "ack""#)
        XCTAssertEqual(failure.location?.file, "p.yaml")
        XCTAssertEqual(failure.location?.position, SourcePosition(line: 9, column: 11), "the step's own line and column")
        XCTAssertEqual(r.exchange?.requestLine, "GET ws://api.test/ws (WebSocket upgrade)")
        XCTAssertEqual(r.exchange?.status, 101)
        XCTAssertEqual(r.exchange?.bodyExcerpt, """
        2 messages received:
        {"type":"system_message","session_id":"s-1"}
        {"type":"ack"}
        """)
        XCTAssertEqual(server.sent.count, 1, "steps after the failing one are not run")
        XCTAssertEqual(server.clientCloses, [1000], "the socket is closed at the end anyway")
    }

    func testASilentServerFailsTheStepAtWithin() async throws {
        let graph = try EngineFixtures.graph(["p": """
        auth: none
        cases:
          - id: silent
            websocket:
              url: ws://api.test/silent
              steps:
                - receive: {json: {$.type: pong}, within: 2s}
          - id: default-within
            timeout: 7s
            websocket:
              url: ws://api.test/silent2
              steps:
                - receive: {text: {contains: pong}}
          - id: only-noise
            websocket:
              url: ws://api.test/noise
              steps:
                - receive: {json: {$.type: pong}, within: 3s, skip_others: true}
        """])
        let servers = [
            "ws://api.test/silent": FakeWebSocketServer(),
            "ws://api.test/silent2": FakeWebSocketServer(),
            "ws://api.test/noise": FakeWebSocketServer(greeting: [.text(#"{"type":"ack"}"#), .text(#"{"type":"heartbeat"}"#)]),
        ]
        let webSocket = FakeWebSocketTransport { c, _ in .accepted(servers[c.url]!) }
        let (report, _) = try await EngineFixtures.run(graph, transport: FakeTransport { _, _ in FakeTransport.json(200, "{}") },
                                                       webSocket: webSocket)
        XCTAssertEqual(report.outcome("silent"), .failed)
        XCTAssertEqual(report.result("silent")?.failures.first?.message,
                       #"step 1 (receive): no message matching {$.type: "pong"} within 2s; nothing arrived in that time"#)
        XCTAssertEqual(servers["ws://api.test/silent"]!.waits, [.seconds(2)])
        XCTAssertEqual(report.result("silent")?.exchange?.bodyExcerpt, "no messages received")

        XCTAssertEqual(servers["ws://api.test/silent2"]!.waits, [.seconds(7)], "the case timeout is the default `within`")
        XCTAssertEqual(webSocket.connects.first { $0.url.hasSuffix("silent2") }?.timeout, .seconds(7))

        XCTAssertEqual(report.result("only-noise")?.failures.first?.message,
                       #"step 1 (receive): no message matching {$.type: "pong"} within 3s; passed over 2 other messages, the last: $.type: expected "pong", found "heartbeat""#)
    }

    func testARefusedHandshakeCanBeThePassAndItsStepsAreNotRun() async throws {
        let graph = try EngineFixtures.graph(["p": """
        cases:
          - id: malformed
            auth: {use: jwt, mode: malformed}
            websocket:
              url: ws://api.test/ws
              steps:
                - send: {text: must not be sent}
            expect: {status: 403}
          - id: anonymous
            auth: none
            websocket: {url: ws://api.test/ws}
            expect: {status: [401, 403]}
          - id: valid
            auth: jwt
            websocket:
              url: ws://api.test/ws
              steps:
                - receive: {json: {$.type: system_message}}
        """])
        let server = FakeWebSocketServer.agent()
        let webSocket = FakeWebSocketTransport { c, _ in
            guard let auth = c.header("Authorization") else { return FakeWebSocketTransport.refusal(401) }
            return auth.hasPrefix("Bearer ey") ? .accepted(server) : FakeWebSocketTransport.refusal(403, body: #"{"error":"invalid_token"}"#)
        }
        let (report, _) = try await EngineFixtures.run(graph, transport: FakeTransport { _, _ in FakeTransport.json(200, "{}") },
                                                       webSocket: webSocket) { $0.jobs = 1 }
        XCTAssertEqual(report.outcome("malformed"), .passed, "\(report.result("malformed")?.failures ?? [])")
        XCTAssertEqual(report.result("malformed")?.exchange?.status, 403)
        XCTAssertEqual(report.outcome("anonymous"), .passed)
        XCTAssertEqual(report.outcome("valid"), .passed)
        XCTAssertEqual(webSocket.connects.map { $0.header("Authorization").map { CaseExecutor.redactCredential($0, header: "Authorization") } },
                       ["Bearer ***", nil, "Bearer ***"])
        XCTAssertEqual(webSocket.connects.first?.header("Authorization"), "Bearer not-a-jwt")
        XCTAssertEqual(server.sent, [], "a refused case sends nothing")
    }

    func testTheDefault101ExpectationFailsOnARefusalAndAnUnexpectedAcceptFails() async throws {
        let graph = try EngineFixtures.graph(["p": """
        auth: none
        cases:
          - id: wants-101
            websocket:
              url: ws://api.test/refuses
              steps:
                - receive: {json: {$.type: system_message}}
          - id: wants-403
            websocket:
              url: ws://api.test/accepts
              steps:
                - send: {text: hello}
            expect: {status: 403}
        """])
        let server = FakeWebSocketServer.agent()
        let webSocket = FakeWebSocketTransport { c, _ in
            c.url.hasSuffix("refuses") ? FakeWebSocketTransport.refusal(403, body: #"{"error":"missing_token"}"#) : .accepted(server)
        }
        let (report, _) = try await EngineFixtures.run(graph, transport: FakeTransport { _, _ in FakeTransport.json(200, "{}") },
                                                       webSocket: webSocket)
        XCTAssertEqual(report.outcome("wants-101"), .failed)
        XCTAssertEqual(report.result("wants-101")?.failures.map(\.message),
                       ["status: expected 101, got 403 (the server refused the WebSocket upgrade)"])
        XCTAssertEqual(report.result("wants-101")?.exchange?.bodyExcerpt, #"{"error":"missing_token"}"#)
        XCTAssertEqual(report.outcome("wants-403"), .failed)
        XCTAssertEqual(report.result("wants-403")?.failures.map(\.message),
                       ["status: expected 403, got 101 (the server accepted the WebSocket upgrade)"])
        XCTAssertEqual(server.sent, [], "steps do not run when the handshake is not the expected one")
        XCTAssertEqual(server.clientCloses, [1000])
    }

    func testFailureDetailsShowTheLastFiveMessagesMaskedAndShortened() async throws {
        let graph = try EngineFixtures.graph(["p": """
        auth: jwt
        cases:
          - id: chatty
            websocket:
              url: ws://api.test/ws
              steps:
                - receive: {json: {$.type: done}, within: 1s, skip_others: true}
        """])
        let long = String(repeating: "x", count: 500)
        let webSocket = FakeWebSocketTransport { c, _ in
            // The server echoes the token it was sent: failure output must not.
            let token = String(c.header("Authorization")!.dropFirst("Bearer ".count))
            let greeting: [FakeWebSocketServer.Frame] = (1...5).map { .text(#"{"type":"n\#($0)"}"#) }
                + [.text(#"{"type":"echo","token":"\#(token)"}"#), .text(#"{"type":"long","data":"\#(long)"}"#)]
            return .accepted(FakeWebSocketServer(greeting: greeting))
        }
        let (report, _) = try await EngineFixtures.run(graph, transport: FakeTransport { _, _ in FakeTransport.json(200, "{}") },
                                                       webSocket: webSocket)
        let r = try XCTUnwrap(report.result("chatty"))
        XCTAssertEqual(r.outcome, .failed)
        let token = String(try XCTUnwrap(webSocket.connects.first?.header("Authorization")).dropFirst("Bearer ".count))
        let lines = try XCTUnwrap(r.exchange?.bodyExcerpt).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "last 5 of 7 messages received:")
        guard lines.count == 6 else { return XCTFail("expected a head line and 5 messages: \(lines)") }
        XCTAssertEqual(lines[1], #"{"type":"n3"}"#, "oldest first, the first two dropped")
        XCTAssertEqual(lines[4], #"{"type":"echo","token":"***"}"#)
        XCTAssertTrue(lines[5].hasSuffix("… (525 chars)"), lines[5])
        XCTAssertLessThan(lines[5].count, 220)
        for text in [r.exchange?.bodyExcerpt ?? ""] + r.failures.map(\.message) {
            XCTAssertFalse(text.contains(token), "the token leaked: \(text)")
        }
        XCTAssertEqual(r.exchange?.requestHeaders.first { $0.name == "Authorization" }?.value, "Bearer ***")
    }

    func testHandshakeFailuresAreRetriedByThePolicyAndReportedWhenTheyLast() async throws {
        let graph = try EngineFixtures.graph(["p": """
        auth: none
        cases:
          - id: recovers
            websocket:
              url: ws://api.test/flaky
              steps:
                - receive: {json: {$.type: system_message}}
          - id: unavailable
            websocket: {url: "ws://api.test/busy"}
            expect: {status: 101}
          - id: down
            retry: {attempts: 1}
            websocket: {url: "ws://api.test/down"}
            expect: {status: 101}
        """])
        let webSocket = FakeWebSocketTransport { c, seen throws(TransportError) in
            switch c.url {
            case "ws://api.test/flaky":
                if seen == 1 { throw TransportError(.connect, "connection refused (api.test:80)") }
                if seen == 2 { throw TransportError(.timeout, "no handshake answer within 10s (api.test:80)") }
                return .accepted(FakeWebSocketServer.agent())
            case "ws://api.test/busy":
                return seen < 3 ? .refused(status: 503, headers: [("Retry-After", "4")], body: nil) : .accepted(FakeWebSocketServer())
            default:
                throw TransportError(.connect, "connection refused (api.test:80)")
            }
        }
        let clock = FakeClock()
        let (report, _) = try await EngineFixtures.run(graph, transport: FakeTransport { _, _ in FakeTransport.json(200, "{}") },
                                                       webSocket: webSocket, clock: clock) { $0.jobs = 1 }
        XCTAssertEqual(report.outcome("recovers"), .passed)
        XCTAssertEqual(report.result("recovers")?.attempts, 3)
        XCTAssertEqual(report.outcome("unavailable"), .passed, "503 on the handshake is retried like HTTP")
        XCTAssertEqual(report.result("unavailable")?.attempts, 3)
        XCTAssertEqual(clock.sleeps, [.milliseconds(100), .milliseconds(200), .seconds(4), .seconds(4)])
        XCTAssertEqual(report.outcome("down"), .errored)
        XCTAssertEqual(report.result("down")?.failures.first?.kind, .transport)
        XCTAssertEqual(report.result("down")?.failures.first?.message, "connection refused (api.test:80)")
        XCTAssertEqual(report.result("down")?.exchange?.requestLine, "GET ws://api.test/down (WebSocket upgrade)")
    }

    func testHandshakeHeadersFollowRequestPrecedenceAndSubprotocolAuthCarriesTheToken() async throws {
        let suite = """
        version: 1
        headers: {X-Test-Type: E2E, X-Override: suite}
        auth:
          jwt:
            jwt: {secret_default: dev-secret, claims: {sub: e2e}}
          jwt-sub:
            jwt: {secret_default: dev-secret, claims: {sub: e2e}, websocket: subprotocol}
        """
        let graph = try EngineFixtures.graph(["p": """
        cases:
          - id: by-header
            auth: jwt
            websocket:
              url: ws://api.test/ws
              headers: {X-Override: case}
              steps:
                - receive: {json: {$.type: system_message}}
          - id: by-subprotocol
            auth: jwt-sub
            websocket:
              url: ws://api.test/ws
              subprotocols: [chat.v1]
              steps:
                - receive: {json: {$.type: system_message}}
                - receive: {json: {$.type: nothing}, within: 1s}
        """], suite: suite)
        let webSocket = FakeWebSocketTransport(accepting: { FakeWebSocketServer.agent() })
        let (report, _) = try await EngineFixtures.run(graph, transport: FakeTransport { _, _ in FakeTransport.json(200, "{}") },
                                                       webSocket: webSocket) { $0.jobs = 1 }
        XCTAssertEqual(report.outcome("by-header"), .passed)
        let byHeader = try XCTUnwrap(webSocket.connects.first)
        XCTAssertEqual(byHeader.header("X-Test-Type"), "E2E")
        XCTAssertEqual(byHeader.header("X-Override"), "case", "the case's headers win over the suite's")
        XCTAssertEqual(byHeader.headers.filter { $0.name == "X-Override" }.count, 1)
        XCTAssertTrue(byHeader.header("Authorization")?.hasPrefix("Bearer ey") == true)
        XCTAssertEqual(byHeader.subprotocols, [])

        let bySub = try XCTUnwrap(webSocket.connects.last)
        XCTAssertNil(bySub.header("Authorization"), "subprotocol auth sends no Authorization header")
        XCTAssertEqual(bySub.subprotocols.first, "chat.v1")
        let offered = try XCTUnwrap(bySub.subprotocols.last)
        XCTAssertTrue(offered.hasPrefix("jwt."))
        let token = String(decoding: try XCTUnwrap(Base64URL.decode(String(offered.dropFirst(4)))), as: UTF8.self)
        XCTAssertEqual(token.split(separator: ".").count, 3, "the subprotocol carries a signed JWT")
        // The failing second case shows its handshake: the subprotocol is masked like the token.
        let shown = report.result("by-subprotocol")?.exchange?.requestHeaders.first { $0.name == "Sec-WebSocket-Protocol" }?.value
        XCTAssertEqual(shown, "chat.v1, ***")
    }

    func testTheServerClosingMidConversationFailsWithItsCloseCode() async throws {
        let graph = try EngineFixtures.graph(["p": """
        auth: none
        cases:
          - id: dropped
            websocket:
              url: ws://api.test/ws
              steps:
                - receive: {json: {$.type: system_message}}
                - send: {json: {type: close_me}}
                - receive: {json: {$.type: agent_completed}, skip_others: true}
          - id: two-matchers
            websocket:
              url: ws://api.test/ws2
              steps:
                - send: {json: {type: close_me}}
                - receive: {json: {$.type: agent_completed}, text: {contains: x}}
        """])
        let webSocket = FakeWebSocketTransport { c, _ in
            .accepted(FakeWebSocketServer(greeting: [.text(#"{"type":"system_message"}"#)]) { text in
                text.contains("close_me") ? [.text(#"{"type":"bye"}"#), .close(1011)] : []
            })
        }
        let (report, _) = try await EngineFixtures.run(graph, transport: FakeTransport { _, _ in FakeTransport.json(200, "{}") },
                                                       webSocket: webSocket)
        XCTAssertEqual(report.outcome("dropped"), .failed)
        XCTAssertEqual(report.result("dropped")?.failures.first?.message,
                       #"step 3 (receive): the server closed the connection (code 1011, internal server error) while waiting for {$.type: "agent_completed"}; 1 other message passed over before"#)
        XCTAssertEqual(report.result("two-matchers")?.failures.first?.message,
                       #"step 2 (receive): the next message did not match: $.type: expected "agent_completed", found "system_message"; text: expected text containing "x", found "{\"type\":\"system_message\"}""#)
    }

    func testWithoutAWebSocketTransportTheCaseErrors() async throws {
        let graph = try EngineFixtures.graph(["p": """
        auth: none
        cases:
          - id: ws
            websocket: {url: "ws://api.test/ws", steps: [{receive: {text: {exists: true}}}]}
        """])
        let (report, _) = try await EngineFixtures.run(graph, transport: FakeTransport { _, _ in FakeTransport.json(200, "{}") })
        XCTAssertEqual(report.outcome("ws"), .errored)
        XCTAssertEqual(report.result("ws")?.failures.first?.kind, .configuration)
    }
}
