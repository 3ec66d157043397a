import DemoServer
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

/// WebSocket cases end to end: real YAML plans through lint and the compiler, a `RunContext`
/// with the real transports, and the `Runner`, against the demo server started in process on a
/// free port. Timings are real but short (a silent server is given 300ms).
final class WebSocketIntegrationTests: XCTestCase {
    static let secret = "ws-integration-secret"

    static let suite = """
    version: 1
    vars: {base_url: "http://127.0.0.1:9", ws_url: "ws://127.0.0.1:9/ws"}
    headers: {X-Test-Type: E2E}
    defaults:
      timeout: 5s
      auth: demo-jwt
      retry: {attempts: 1}
    auth:
      demo-jwt:
        jwt: {algorithm: HS256, secret_default: \(secret), claims: {sub: e2e}, ttl: 5m}
      demo-jwt-sub:
        jwt: {algorithm: HS256, secret_default: \(secret), claims: {sub: e2e}, ttl: 5m, websocket: subprotocol}
    """

    static let plan = """
    name: WebSocket end to end
    cases:
      - id: refused-without-token
        auth: none
        websocket: {url: "{{ ws_url }}"}
        expect: {status: 403}
      - id: refused-malformed-token
        auth: {use: demo-jwt, mode: malformed}
        websocket: {url: "{{ ws_url }}"}
        expect: {status: [401, 403]}
      - id: refusal-fails-the-default-101
        auth: none
        websocket:
          url: "{{ ws_url }}"
          steps:
            - receive: {json: {$.type: system_message}}
      - id: ping-with-header-auth
        websocket:
          url: "{{ ws_url }}"
          steps:
            - receive: {json: {$.type: system_message, $.session_id: {type: string}}, within: 2s}
            - send: {json: {type: ping}}
            - receive: {json: {$.type: pong}, within: 2s}
      - id: subprotocol-auth
        auth: demo-jwt-sub
        websocket:
          url: "{{ ws_url }}"
          subprotocols: [rehearse.v1]
          steps:
            - receive: {json: {$.type: system_message}, within: 2s}
            - send: {json: {type: ping}}
            - receive: {text: {contains: pong}, within: 2s}
      - id: agent-flow
        websocket:
          url: "{{ ws_url }}"
          steps:
            - receive: {json: {$.type: system_message}, within: 2s}
            - send: {json: {type: user_message, content: Analyze costs}}
            - receive: {json: {$.type: agent_started}, within: 3s, skip_others: true}
            - receive: {json: {$.type: tool_executing, $.payload.tool: cost_query}, within: 3s, skip_others: true}
            - receive:
                json: {$.type: agent_completed}
                within: 3s
                skip_others: true
                capture: {answer: $.payload.result}
            - close: 1000
      - id: answer-is-reused
        auth: none
        request: {method: POST, url: "{{ base_url }}/echo", json: {answer: "{{ agent-flow.answer }}"}}
        expect: {status: 200, json: {$.json.answer: {matches: "^Costs rose"}}}
      - id: invalid-json
        websocket:
          url: "{{ ws_url }}"
          steps:
            - receive: {json: {$.type: system_message}, within: 2s}
            - send: {text: "this is not json"}
            - receive: {json: {$.type: error_message, $.error: invalid_json}, within: 2s}
      - id: silent-server
        websocket:
          url: "{{ ws_url }}"
          steps:
            - receive: {json: {$.type: system_message}, within: 2s}
            - send: {json: {type: silence}}
            - send: {json: {type: ping}}
            - receive: {json: {$.type: pong}, within: 300ms}
      - id: closed-mid-flow
        websocket:
          url: "{{ ws_url }}"
          steps:
            - receive: {json: {$.type: system_message}, within: 2s}
            - send: {json: {type: close_me}}
            - receive: {json: {$.type: agent_completed}, within: 4s, skip_others: true}
      - id: nobody-listening
        websocket:
          url: "ws://127.0.0.1:9/ws"
          steps:
            - receive: {json: {$.type: system_message}}
    """

    func testPlansAgainstTheDemoServer() async throws {
        let report = try await Self.run(plan: Self.plan)
        func outcome(_ id: String) -> Outcome? { report.outcome(id) }
        func failure(_ id: String) -> String { report.result(id)?.failures.first?.message ?? "(no failure)" }

        XCTAssertEqual(outcome("refused-without-token"), .passed, failure("refused-without-token"))
        XCTAssertEqual(report.result("refused-without-token")?.exchange?.status, 403, "the real refusal status")
        XCTAssertEqual(outcome("refused-malformed-token"), .passed, failure("refused-malformed-token"))
        XCTAssertEqual(report.result("refused-malformed-token")?.exchange?.status, 403)

        XCTAssertEqual(outcome("refusal-fails-the-default-101"), .failed)
        XCTAssertEqual(failure("refusal-fails-the-default-101"),
                       "status: expected 101, got 403 (the server refused the WebSocket upgrade)")

        XCTAssertEqual(outcome("ping-with-header-auth"), .passed, failure("ping-with-header-auth"))
        XCTAssertEqual(outcome("subprotocol-auth"), .passed, failure("subprotocol-auth"))
        XCTAssertEqual(outcome("agent-flow"), .passed, failure("agent-flow"))
        XCTAssertEqual(outcome("answer-is-reused"), .passed, failure("answer-is-reused"))
        XCTAssertEqual(outcome("invalid-json"), .passed, failure("invalid-json"))

        XCTAssertEqual(outcome("silent-server"), .failed)
        XCTAssertEqual(failure("silent-server"),
                       #"step 4 (receive): no message matching {$.type: "pong"} within 300ms; nothing arrived in that time"#)
        let stepLine = Self.plan.split(separator: "\n", omittingEmptySubsequences: false)
            .firstIndex { $0.contains("within: 300ms") }.map { $0 + 1 }
        XCTAssertEqual(report.result("silent-server")?.failures.first?.location?.position?.line, stepLine)
        XCTAssertEqual(report.result("silent-server")?.failures.first?.location?.file.hasSuffix("ws.yaml"), true)
        let silentFor = report.result("silent-server")?.duration ?? .zero
        XCTAssertLessThan(silentFor, .seconds(3), "fails at `within`, does not hang until the case timeout")

        XCTAssertEqual(outcome("closed-mid-flow"), .failed)
        XCTAssertEqual(failure("closed-mid-flow"),
                       #"step 3 (receive): the server closed the connection (code 1011, internal server error) while waiting for {$.type: "agent_completed"}"#)
        XCTAssertLessThan(report.result("closed-mid-flow")?.duration ?? .zero, .seconds(3))
        XCTAssertEqual(report.result("closed-mid-flow")?.exchange?.bodyExcerpt?.hasPrefix("1 message received:\n{"), true)

        XCTAssertEqual(outcome("nobody-listening"), .errored)
        XCTAssertEqual(report.result("nobody-listening")?.failures.first?.kind, .transport)
        XCTAssertEqual(failure("nobody-listening"), "connection refused (127.0.0.1:9)")
        XCTAssertEqual(report.results.count, 11)
    }

    /// Lints and compiles the plan with the suite above (strict: no warnings), then runs it.
    static func run(plan: String) async throws -> RunReport {
        try await DemoSuiteRun.run(suite: suite, plan: plan, file: "ws.yaml", secret: secret)
    }
}
