import Foundation
import Synchronization
import XCTest

@testable import RehearseModel
@testable import RehearseParser
@testable import RehearseCompiler
@testable import RehearseResults
@testable import RehearseRuntime
@testable import RehearseReport

/// A scripted SSE stream: messages at fixed offsets from `base`, then an end (or silence).
final class FakeMessageStream: MessageStream, @unchecked Sendable {
    private let state: Mutex<(queue: [StreamMessage], end: StreamEnd?, closed: Bool)>

    init(_ messages: [StreamMessage], end: StreamEnd? = .finished) {
        state = Mutex((messages, end, false))
    }

    func next(within: Duration) async -> StreamEvent {
        state.withLock { s in
            if !s.queue.isEmpty { return .message(s.queue.removeFirst()) }
            return s.end.map(StreamEvent.ended) ?? .timedOut
        }
    }

    func close() async { state.withLock { $0.closed = true } }
    var closed: Bool { state.withLock { $0.closed } }
}

/// An HTTP transport that also opens SSE streams from a script (attempt number → opening).
final class FakeSSETransport: HTTPTransport, SSETransport, @unchecked Sendable {
    typealias Script = @Sendable (HTTPRequestData, Int) throws(TransportError) -> SSEOpening
    private let script: Script
    private let log = Mutex<[HTTPRequestData]>([])

    init(_ script: @escaping Script) { self.script = script }

    func open(_ request: HTTPRequestData) async throws(TransportError) -> SSEOpening {
        let n = log.withLock { l -> Int in
            l.append(request)
            return l.count
        }
        return try script(request, n)
    }

    func send(_ request: HTTPRequestData) async throws(TransportError) -> HTTPResponseData {
        FakeTransport.json(200, #"{"json":{}}"#)
    }

    func shutdown() async {}
    var requests: [HTTPRequestData] { log.withLock { $0 } }
}

/// SSE cases through the engine with a scripted stream: timing is exact, so the statistics and
/// the checks on them are asserted to the millisecond without sleeping.
final class StreamCaseTests: XCTestCase {
    static let base = ContinuousClock.now

    static func event(_ name: String, _ data: String, at ms: Int, id: String? = nil) -> StreamMessage {
        StreamMessage(event: name, id: id, bytes: Array(data.utf8), arrival: base + .milliseconds(ms))
    }

    static func opening(_ messages: [StreamMessage], end: StreamEnd? = .finished) -> SSEOpening {
        .stream(status: 200, headers: [("Content-Type", "text/event-stream")], stream: FakeMessageStream(messages, end: end),
                sentAt: base, headDuration: .milliseconds(20))
    }

    static let tokens = [
        event("agent_started", #"{"run_id":"r1"}"#, at: 50, id: "1"),
        event("token", #"{"delta":"Costs"}"#, at: 100),
        event("token", #"{"delta":" rose"}"#, at: 110),
        event("token", #"{"delta":" 12%"}"#, at: 130),
        event("token", #"{"delta":" overall"}"#, at: 160),
        event("token", #"{"delta":"."}"#, at: 200),
        event("agent_completed", #"{"result":"done"}"#, at: 210),
    ]

    func run(_ plan: String, _ transport: FakeSSETransport) async throws -> RunReport {
        let graph = try EngineFixtures.graph(["s": plan])
        let context = try RunContext(graph: graph, options: RunOptions(), transport: transport, clock: FakeClock())
        return await Runner.run(context)
    }

    func testCollectMeasuresFirstAndNearestRankGaps() async throws {
        let transport = FakeSSETransport { _, _ in Self.opening(Self.tokens) }
        let report = try await run("""
        cases:
          - id: agent
            auth: none
            sse:
              method: POST
              url: "{{ base_url }}/stream"
              json: {message: hi}
              steps:
                - receive: {event: agent_started, id: "1", capture: {run: $.run_id}}
                - collect:
                    match: {event: token}
                    join: $.delta
                    until: {event: agent_completed}
                    first: {max: 150ms}
                    gap: {p50: 20ms, max: 40ms}
                    count: 5
                    text: Costs rose 12% overall.
                    capture: answer
        """, transport)
        let r = try XCTUnwrap(report.result("agent"))
        XCTAssertEqual(r.outcome, .passed, r.failures.map(\.message).joined())
        let s = try XCTUnwrap(r.streams.first)
        XCTAssertEqual(s.kind, "collect")
        XCTAssertEqual(s.step, 2)
        XCTAssertEqual(s.messages, 5)
        XCTAssertEqual(s.first, .milliseconds(100), "from the request being sent")
        // Gaps 10, 20, 30, 40ms: nearest rank p50 = 2nd = 20ms, p95 = p99 = max = 40ms.
        XCTAssertEqual(s.gap("p50"), .milliseconds(20))
        XCTAssertEqual(s.gap("p90"), .milliseconds(40))
        XCTAssertEqual(s.gap("p95"), .milliseconds(40))
        XCTAssertEqual(s.gap("max"), .milliseconds(40))
        XCTAssertEqual(s.perSecond ?? 0, 40, accuracy: 0.001, "4 intervals in 100ms")
        XCTAssertEqual(s.summary, "first 100ms · gap p95 40ms · 5 msg")
        XCTAssertEqual(transport.requests.first?.headers.value(of: "Accept"), "text/event-stream")
        XCTAssertEqual(transport.requests.first?.method, "POST")
    }

    /// Time to first counts from the origin (the request, or the last WebSocket `send`): a message
    /// already waiting before it is no answer to it, and never makes `first` negative.
    func testTimeToFirstSkipsMessagesThatCameBeforeTheOrigin() {
        let origin = Self.base + .milliseconds(100)
        let early = StreamConversation.stats(1, "collect", [Self.base + .milliseconds(95), origin + .milliseconds(20)],
                                             origin: origin, start: Self.base)
        XCTAssertEqual(early.first, .milliseconds(20))
        XCTAssertEqual(early.messages, 2)
        let allBefore = StreamConversation.stats(1, "collect", [Self.base + .milliseconds(99)], origin: origin, start: Self.base)
        XCTAssertEqual(allBefore.first, .zero)
    }

    func testEveryFailedCollectCheckIsNamed() async throws {
        let transport = FakeSSETransport { _, _ in Self.opening(Self.tokens) }
        let report = try await run("""
        cases:
          - id: agent
            auth: none
            sse:
              url: "{{ base_url }}/stream"
              steps:
                - collect:
                    match: {event: token}
                    join: $.delta
                    until: {event: agent_completed}
                    first: {max: 99ms}
                    gap: {p50: 19ms, max: 39ms}
                    count: {min: 6}
                    text: {contains: falling}
        """, transport)
        let message = try XCTUnwrap(report.result("agent")?.failures.first?.message)
        XCTAssertTrue(message.hasPrefix("step 1 (collect): count: "), message)
        XCTAssertTrue(message.contains("; text: expected text containing \"falling\""), message)
        XCTAssertTrue(message.contains("; first: the first message took 100ms, over the limit of 99ms"), message)
        XCTAssertTrue(message.contains("; gap p50: the gaps between messages were too slow: expected at most 19ms, measured 20ms"), message)
        XCTAssertTrue(message.contains("; gap max: the gaps between messages were too slow: expected at most 39ms, measured 40ms"), message)
        XCTAssertTrue(message.contains("collected 5 messages; the last 5 of 7 received: [+110ms] event: token"), message)
    }

    func testReportsCarryTheStreamTimingAndDrawATimelineForFailures() async throws {
        let transport = FakeSSETransport { _, _ in Self.opening(Self.tokens) }
        let report = try await run("""
        cases:
          - id: agent
            auth: none
            sse:
              url: "{{ base_url }}/stream"
              steps:
                - collect: {match: {event: token}, until: {event: agent_completed}, gap: {p95: 10ms}}
        """, transport)
        XCTAssertEqual(report.outcome("agent"), .failed)
        let html = HTMLReport.render(report)
        XCTAssertTrue(html.contains("aria-label=\"stream timeline\""), "a failed stream case gets a timeline")
        XCTAssertTrue(html.contains("first 100ms · gap p95 40ms · 5 msg"), html)
        let decoded = try JSONReport.decode(JSONReport.document(report, masker: SecretMasker()))
        let s = try XCTUnwrap(decoded.results.first?.streams.first)
        XCTAssertEqual(s.messages, 5)
        XCTAssertEqual(s.first, .milliseconds(100))
        XCTAssertEqual(s.gap("p50"), .milliseconds(20))
        XCTAssertEqual(s.gap("max"), .milliseconds(40))
        XCTAssertEqual(s.perSecond ?? 0, 40, accuracy: 0.01)
    }

    func testCollectWithoutUntilEndsWithACleanStreamEnd() async throws {
        let transport = FakeSSETransport { _, _ in Self.opening(Self.tokens) }
        let report = try await run("""
        cases:
          - id: agent
            auth: none
            sse:
              url: "{{ base_url }}/stream"
              steps:
                - collect: {count: 7}
                - receive: {event: never}
        """, transport)
        XCTAssertEqual(report.result("agent")?.failures.map(\.message),
                       ["step 2 (receive): the server ended the stream while waiting for {event: \"never\"}"])
    }

    func testAStreamThatBreaksOffFailsCollectEvenWithoutUntil() async throws {
        let transport = FakeSSETransport { _, _ in Self.opening(Array(Self.tokens.prefix(2)), end: .failed("connection reset")) }
        let report = try await run("""
        cases:
          - id: agent
            auth: none
            sse: {url: "{{ base_url }}/stream", steps: [{collect: {match: {event: token}}}]}
        """, transport)
        let message = report.result("agent")?.failures.first?.message ?? ""
        XCTAssertTrue(message.hasPrefix("step 1 (collect): the stream broke off (connection reset); collected 1 message"), message)
    }

    func testTheResponseHeadIsRetriedButAnOpenStreamIsNot() async throws {
        let transport = FakeSSETransport { _, n in
            n == 1 ? .response(FakeTransport.json(503, "{}")) : Self.opening([], end: .finished)
        }
        let report = try await run("""
        cases:
          - id: agent
            auth: none
            sse: {url: "{{ base_url }}/stream", steps: [{receive: {event: agent_started}}]}
        """, transport)
        let r = try XCTUnwrap(report.result("agent"))
        XCTAssertEqual(r.attempts, 2, "the 503 head was retried")
        XCTAssertEqual(r.outcome, .failed, "the stream that opened and ended is not retried")
        XCTAssertEqual(transport.requests.count, 2)
    }

    func testAStreamThatOpensOnlyOnARetryIsFlakyAndItsReproductionStreams() async throws {
        let transport = FakeSSETransport { _, n in
            n == 1 ? .response(FakeTransport.json(503, "{}")) : Self.opening(Self.tokens)
        }
        let report = try await run("""
        cases:
          - id: agent
            auth: none
            sse: {url: "{{ base_url }}/stream", steps: [{receive: {event: agent_started}}]}
        """, transport)
        let r = try XCTUnwrap(report.result("agent"))
        XCTAssertEqual(r.outcome, .passed)
        XCTAssertTrue(r.isFlaky, "passed only after the 503 head was retried")
        XCTAssertEqual(r.failedAttempts.map(\.cause), ["status 503"])
        let wrong = try await run("""
        cases:
          - id: wrong
            auth: none
            sse: {method: POST, url: "{{ base_url }}/stream", json: {message: hi}, steps: [{receive: {event: nope, within: 1s}}]}
        """, FakeSSETransport { _, _ in Self.opening(Self.tokens) })
        let failed = try XCTUnwrap(wrong.result("wrong"))
        XCTAssertEqual(failed.exchange?.kind, .sse)
        let curl = try XCTUnwrap(CurlCommand.of(failed)).command
        XCTAssertTrue(curl.contains("-N"), curl)
        XCTAssertTrue(curl.contains("-X POST"), curl)
        XCTAssertTrue(curl.contains("--data-raw '{\"message\":\"hi\"}'"), curl)
    }

    func testARefusalIsCheckedLikeARequestAndAJSONAnswerCannotRunSteps() async throws {
        let transport = FakeSSETransport { request, _ in
            request.url.hasSuffix("/denied") ? .response(FakeTransport.json(401, #"{"error":"missing_token"}"#))
                : .response(FakeTransport.json(200, #"{"ok":true}"#))
        }
        let report = try await run("""
        cases:
          - id: denied
            auth: none
            sse: {url: "{{ base_url }}/denied", steps: [{receive: {event: a}}]}
            expect: {status: 401, json: {$.error: missing_token}}
          - id: not-a-stream
            auth: none
            sse: {url: "{{ base_url }}/json", steps: [{receive: {event: a}}]}
        """, transport)
        XCTAssertEqual(report.outcome("denied"), .passed, report.result("denied")?.failures.first?.message ?? "")
        XCTAssertEqual(report.result("not-a-stream")?.failures.map(\.message),
                       ["the response is not an event stream (Content-Type: application/json), so its 1 step could not run"])
    }

    func testEventsAnyOrderCapturesAndForbid() async throws {
        let transport = FakeSSETransport { _, _ in Self.opening(Self.tokens) }
        let report = try await run("""
        cases:
          - id: agent
            auth: none
            sse:
              url: "{{ base_url }}/stream"
              steps:
                - events:
                    any_order: [{event: agent_completed, capture: {result: $.result}}, {event: agent_started}]
                    forbid: [{event: error}]
          - id: later
            auth: none
            request: {method: POST, url: "{{ base_url }}/echo", json: {r: "{{ agent.result }}"}}
            expect: {status: 200}
          - id: forbids
            auth: none
            sse:
              url: "{{ base_url }}/stream"
              steps:
                - events: {in_order: [{event: agent_completed}], forbid: [{event: token, json: {$.delta: " rose"}}]}
        """, transport)
        XCTAssertEqual(report.outcome("agent"), .passed, report.result("agent")?.failures.first?.message ?? "")
        XCTAssertEqual(report.result("agent")?.streams.first?.messages, 7, "every message seen up to the last expected")
        XCTAssertEqual(report.outcome("later"), .passed)
        XCTAssertEqual(report.result("forbids")?.failures.first?.message,
                       #"step 1 (events): a forbidden message {event: "token", $.delta: " rose"} arrived at +110ms: event: token  {"delta":" rose"}"#)
    }
}
