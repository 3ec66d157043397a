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

/// Stream cases (spec §8) end to end against the demo server over real sockets: SSE and
/// WebSocket agent runs pass; a forbidden `error` event, a slow first token, slow gaps and a
/// wrong order each fail with a message that says which; refusals pass as 401/403; the joined
/// answer is captured and sent on. Delays are short and limits far from them, so a loaded
/// machine only makes the failing cases fail by more.
final class StreamIntegrationTests: XCTestCase {
    static let secret = "stream-integration-secret"

    static let suite = """
    version: 1
    vars: {base_url: "http://127.0.0.1:9", ws_url: "ws://127.0.0.1:9/ws"}
    defaults:
      timeout: 10s
      auth: demo-jwt
      retry: {attempts: 1}
    auth:
      demo-jwt:
        jwt: {algorithm: HS256, secret_default: \(secret), claims: {sub: e2e}, ttl: 5m}
    """

    static let plan = """
    name: Streams end to end
    cases:
      - id: sse-happy
        sse:
          method: POST
          url: "{{ base_url }}/api/agents/stream"
          json: {message: Analyze costs}
          steps:
            - receive: {event: agent_started, within: 5s, capture: {run_id: $.run_id}}
            - events:
                in_order: [{event: tool_executing, json: {$.tool: cost_analyzer}}, {event: tool_completed}]
                forbid: [{event: error}]
                within: 5s
            - collect:
                match: {event: token}
                join: $.delta
                until: {event: agent_completed, json: {$.run_id: "{{ sse-happy.run_id }}"}, capture: {result: $.result}}
                within: 10s
                first: {max: 5s}
                gap: {p95: 2s, max: 5s}
                count: {min: 3}
                text: {matches: "^Costs rose 12%"}
                capture: answer
        expect: {status: 200, headers: {Content-Type: {contains: text/event-stream}}}
      - id: answer-sent-on
        auth: none
        request: {method: POST, url: "{{ base_url }}/echo", json: {answer: "{{ sse-happy.answer }}", result: "{{ sse-happy.result }}"}}
        expect: {status: 200, json: {$.json.answer: {matches: "^Costs rose 12% month over month"}}}
      - id: refused-without-token
        auth: none
        sse: {method: POST, url: "{{ base_url }}/api/agents/stream", json: {message: hi}}
        expect: {status: [401, 403]}
      - id: refused-malformed-token
        auth: {use: demo-jwt, mode: malformed}
        sse: {method: POST, url: "{{ base_url }}/api/agents/stream", json: {message: hi}}
        expect: {status: [401, 403]}
      - id: refusal-fails-the-default-200
        auth: none
        sse:
          method: POST
          url: "{{ base_url }}/api/agents/stream"
          json: {message: hi}
          steps: [{receive: {event: agent_started}}]
      - id: forbidden-error
        sse:
          method: POST
          url: "{{ base_url }}/api/agents/stream"
          query: {error: "1"}
          json: {message: hi}
          steps:
            - events: {in_order: [{event: tool_executing}, {event: tool_completed}], forbid: [{event: error}], within: 5s}
      - id: slow-first-token
        sse:
          method: POST
          url: "{{ base_url }}/api/agents/stream"
          query: {first_delay_ms: "900"}
          json: {message: hi}
          steps:
            - collect: {match: {event: token}, until: {event: agent_completed}, first: {max: 300ms}, within: 10s}
      - id: slow-gaps
        sse:
          method: POST
          url: "{{ base_url }}/api/agents/stream"
          query: {gap_ms: "150"}
          json: {message: hi}
          steps:
            - collect: {match: {event: token}, until: {event: agent_completed}, gap: {p95: 60ms}, within: 10s}
      - id: wrong-order
        sse:
          method: POST
          url: "{{ base_url }}/api/agents/stream"
          query: {order: wrong}
          json: {message: hi}
          steps:
            - events: {in_order: [{event: tool_executing}, {event: tool_completed}], within: 5s}
      - id: events-end-at-the-last-expected
        sse:
          method: POST
          url: "{{ base_url }}/api/agents/stream"
          query: {hold_ms: "4000"}
          json: {message: hi}
          steps:
            - events: {any_order: [{event: agent_completed}, {event: agent_started}], within: 8s}
      - id: never-closes
        sse:
          method: POST
          url: "{{ base_url }}/api/agents/stream"
          query: {hold_ms: "5000"}
          json: {message: hi}
          steps:
            - collect: {match: {event: token}, within: 600ms}
      - id: ws-happy
        websocket:
          url: "{{ ws_url }}"
          steps:
            - receive: {json: {$.type: system_message}, within: 5s}
            - send: {json: {type: user_message, content: Analyze costs, stream: true}}
            - events:
                any_order: [{json: {$.type: tool_completed}}, {json: {$.type: agent_started}}]
                forbid: [{json: {$.type: error}}]
                within: 5s
            - collect:
                match: {json: {$.type: token}}
                join: $.payload.delta
                until: {json: {$.type: agent_completed}}
                within: 10s
                first: {max: 5s}
                gap: {max: 5s}
                text: {contains: Costs rose}
                capture: answer
      - id: ws-forbidden-error
        websocket:
          url: "{{ ws_url }}"
          steps:
            - send: {json: {type: user_message, stream: true, error: true}}
            - events: {in_order: [{json: {$.type: tool_completed}}], forbid: [{json: {$.type: error}}], within: 5s}
    """

    func testStreamsAgainstTheDemoServer() async throws {
        let report = try await Self.run(plan: Self.plan)
        func outcome(_ id: String) -> Outcome? { report.outcome(id) }
        func failure(_ id: String) -> String { report.result(id)?.failures.first?.message ?? "(no failure)" }

        XCTAssertEqual(outcome("sse-happy"), .passed, failure("sse-happy"))
        let happy = try XCTUnwrap(report.result("sse-happy"))
        XCTAssertEqual(happy.streams.map(\.kind), ["events", "collect"])
        let collect = try XCTUnwrap(happy.streams.last)
        XCTAssertEqual(collect.messages, DemoAgentScriptTokens.count, "one message per token")
        XCTAssertNotNil(collect.first)
        XCTAssertNotNil(collect.gap("p95"))
        XCTAssertNotNil(collect.perSecond)
        XCTAssertEqual(outcome("answer-sent-on"), .passed, failure("answer-sent-on"))

        XCTAssertEqual(outcome("refused-without-token"), .passed, failure("refused-without-token"))
        XCTAssertEqual(outcome("refused-malformed-token"), .passed, failure("refused-malformed-token"))
        XCTAssertEqual(report.result("refused-malformed-token")?.failures, [])
        XCTAssertEqual(outcome("refusal-fails-the-default-200"), .failed)
        XCTAssertEqual(failure("refusal-fails-the-default-200"), "status: expected 200, got 401")
        XCTAssertEqual(report.result("refusal-fails-the-default-200")?.exchange?.status, 401)

        XCTAssertEqual(outcome("forbidden-error"), .failed)
        XCTAssertTrue(failure("forbidden-error").hasPrefix(#"step 1 (events): a forbidden message {event: "error"} arrived at +"#),
                      failure("forbidden-error"))
        XCTAssertTrue(failure("forbidden-error").contains("tool_failed"), failure("forbidden-error"))

        XCTAssertEqual(outcome("slow-first-token"), .failed)
        XCTAssertTrue(failure("slow-first-token").hasPrefix("step 1 (collect): first: the first message took "), failure("slow-first-token"))
        XCTAssertTrue(failure("slow-first-token").contains("over the limit of 300ms"), failure("slow-first-token"))

        XCTAssertEqual(outcome("slow-gaps"), .failed)
        XCTAssertTrue(failure("slow-gaps").hasPrefix("step 1 (collect): gap p95: the gaps between messages were too slow: expected at most 60ms, measured "),
                      failure("slow-gaps"))

        XCTAssertEqual(outcome("wrong-order"), .failed)
        XCTAssertTrue(failure("wrong-order").hasPrefix(
            #"step 1 (events): the server ended the stream before every expected message arrived; missing #2 {event: "tool_completed"}; wrong order: #2 {event: "tool_completed"} came at +"#),
                      failure("wrong-order"))
        XCTAssertTrue(failure("wrong-order").contains(", before #1;"), "#2 came while #1 was awaited: \(failure("wrong-order"))")
        XCTAssertTrue(failure("wrong-order").contains("event: agent_completed"), "shows the last messages: \(failure("wrong-order"))")

        XCTAssertEqual(outcome("events-end-at-the-last-expected"), .passed, failure("events-end-at-the-last-expected"))
        XCTAssertLessThan(report.result("events-end-at-the-last-expected")?.duration ?? .seconds(99), .seconds(3.5),
                          "ends when the last expected event arrives, not when the stream closes 4s later")

        XCTAssertEqual(outcome("never-closes"), .failed)
        XCTAssertTrue(failure("never-closes").hasPrefix("step 1 (collect): the stream did not end within 600ms; collected "),
                      failure("never-closes"))
        XCTAssertLessThan(report.result("never-closes")?.duration ?? .seconds(99), .seconds(4), "does not hang past `within`")

        XCTAssertEqual(outcome("ws-happy"), .passed, failure("ws-happy"))
        XCTAssertEqual(report.result("ws-happy")?.streams.last?.messages, DemoAgentScriptTokens.count)
        XCTAssertEqual(outcome("ws-forbidden-error"), .failed)
        XCTAssertTrue(failure("ws-forbidden-error").hasPrefix(#"step 2 (events): a forbidden message {$.type: "error"} arrived"#),
                      failure("ws-forbidden-error"))

        // The reports carry the timing of every stream step.
        let json = JSONReport.result(happy)
        guard case .object(let o) = json, case .array(let streams)? = o["streams"], case .object(let last)? = streams.last else {
            return XCTFail("no streams in the JSON report")
        }
        XCTAssertEqual(last["messages"], .number(Double(DemoAgentScriptTokens.count)))
        XCTAssertNotNil(last["first_ms"])
        XCTAssertNotNil(last["per_second"])
        guard case .object(let gaps)? = last["gap_ms"] else { return XCTFail("no gap_ms") }
        XCTAssertEqual(Set(gaps.keys), ["p50", "p95", "p99", "max"])
        let line = ConsoleReporter(live: false, color: false, write: { _ in }).caseLine(happy)
        XCTAssertTrue(line.contains("first "), line)
        XCTAssertTrue(line.contains(" · gap p95 "), line)
        XCTAssertTrue(line.hasSuffix(" · \(DemoAgentScriptTokens.count) msg)"), line)
        let failed = try XCTUnwrap(report.result("slow-gaps"))
        XCTAssertTrue(StreamTimeline.svg(failed.streams).contains("<svg"), "a timeline for a failed stream case")
    }

    /// Lints and compiles the plan (strict), then runs it against the demo server.
    static func run(plan: String) async throws -> RunReport {
        try await DemoSuiteRun.run(suite: suite, plan: plan, file: "streams.yaml", secret: secret)
    }
}

/// The demo agent's answer, one token per word.
let DemoAgentScriptTokens = "Costs rose 12% month over month, driven by compute and storage.".split(separator: " ")
