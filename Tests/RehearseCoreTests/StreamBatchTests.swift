import Foundation
import Synchronization
import XCTest

@testable import RehearseModel
@testable import RehearseResults
@testable import RehearseRuntime

/// A scripted stream that hands over everything queued in one batch, as the SSE transport does
/// with the events of a body part: the engine must read batches exactly as it reads messages
/// one at a time.
final class FakeBatchStream: MessageStream, @unchecked Sendable {
    private let state: Mutex<(batches: [[StreamMessage]], end: StreamEnd?)>

    init(_ batches: [[StreamMessage]], end: StreamEnd? = .finished) {
        state = Mutex((batches, end))
    }

    func next(within: Duration) async -> StreamEvent {
        XCTFail("the engine reads batches")
        return .timedOut
    }

    func nextBatch(within: Duration) async -> StreamBatch {
        state.withLock { s in
            if !s.batches.isEmpty { return .messages(StreamMessageBatch(s.batches.removeFirst())) }
            return s.end.map(StreamBatch.ended) ?? .timedOut
        }
    }

    func close() async {}
}

extension StreamCaseTests {
    static func batchOpening(_ batches: [[StreamMessage]], end: StreamEnd? = .finished) -> SSEOpening {
        .stream(status: 200, headers: [("Content-Type", "text/event-stream")], stream: FakeBatchStream(batches, end: end),
                sentAt: base, headDuration: .milliseconds(20))
    }

    /// The tokens, the end event and one more, split across batches so `until` falls mid-batch.
    static let batched: [[StreamMessage]] = [
        Array(tokens[0..<3]),
        Array(tokens[3...]) + [event("after", #"{"n":1}"#, at: 220)],
    ]

    func testCollectOverBatchesStopsAtUntilAndLeavesTheRestForLaterSteps() async throws {
        let transport = FakeSSETransport { _, _ in Self.batchOpening(Self.batched) }
        let report = try await run("""
        cases:
          - id: agent
            auth: none
            sse:
              url: "{{ base_url }}/stream"
              steps:
                - collect: {match: {event: token}, until: {event: agent_completed, capture: {result: $.result}}, count: 5}
                - receive: {event: after}
        """, transport)
        XCTAssertEqual(report.outcome("agent"), .passed, "\(report.result("agent")?.failures.map(\.message) ?? [])")
        let s = try XCTUnwrap(report.result("agent")?.streams.first)
        XCTAssertEqual(s.messages, 5)
        XCTAssertEqual(s.first, .milliseconds(100))
        XCTAssertEqual(s.gap("p50"), .milliseconds(20))
        XCTAssertEqual(s.gap("max"), .milliseconds(40))
    }

    func testCollectOverBatchesShowsTheLastMessagesAcrossBatchesWhenItFails() async throws {
        let transport = FakeSSETransport { _, _ in Self.batchOpening(Self.batched) }
        let report = try await run("""
        cases:
          - id: agent
            auth: none
            sse:
              url: "{{ base_url }}/stream"
              steps:
                - collect: {match: {event: token}, count: 6}
        """, transport)
        let message = report.result("agent")?.failures.first?.message ?? ""
        XCTAssertTrue(message.contains("count: "), message)
        XCTAssertTrue(message.contains("collected 5 messages; the last 5 of 8 received: [+130ms] event: token"), message)
        XCTAssertTrue(message.hasSuffix(#"[+220ms] event: after  {"n":1}"#), message)
    }

    func testCollectOverBatchesWithAMatcherBeyondEventNames() async throws {
        let transport = FakeSSETransport { _, _ in Self.batchOpening(Self.batched) }
        let report = try await run("""
        cases:
          - id: agent
            auth: none
            sse:
              url: "{{ base_url }}/stream"
              steps:
                - collect: {match: {event: token}, until: {json: {$.result: done}}, join: $.delta, capture: answer, text: "Costs rose 12% overall."}
                - receive: {event: after}
        """, transport)
        XCTAssertEqual(report.outcome("agent"), .passed, "\(report.result("agent")?.failures.map(\.message) ?? [])")
    }
}

/// Hands over batches as they are: packed SSE batches, as the SSE transport makes them.
final class FakePackedStream: MessageStream, @unchecked Sendable {
    private let state: Mutex<[StreamMessageBatch]>

    init(_ batches: [StreamMessageBatch]) { state = Mutex(batches) }

    func next(within: Duration) async -> StreamEvent {
        XCTFail("the engine reads batches")
        return .timedOut
    }

    func nextBatch(within: Duration) async -> StreamBatch {
        state.withLock { $0.isEmpty ? .ended(.finished) : .messages($0.removeFirst()) }
    }

    func close() async {}
}

extension StreamCaseTests {
    /// The agent stream parsed in three reads (split inside events), one packed batch per read,
    /// each read 10ms after the one before.
    static func packedOpening() throws -> SSEOpening {
        let text = "event: agent_started\nid: 1\ndata: {\"run_id\":\"r1\"}\n\nevent: token\ndata: {\"delta\":\"Costs\"}\n\n"
            + "event: token\ndata: {\"delta\":\" rose\"}\n\nevent: token\ndata: {\"delta\":\" 12%\"}\n\nevent: token\ndata: {\"de"
            + "lta\":\" overall\"}\n\nevent: token\ndata: {\"delta\":\".\"}\n\nevent: agent_completed\ndata: {\"result\":\"done\"}\n\n"
            + "event: after\ndata: {\"n\":1}\n\n"
        let bytes = Array(text.utf8)
        var parser = SSEParser()
        var batches: [StreamMessageBatch] = []
        for (i, cut) in [0 ..< 130, 130 ..< 250, 250 ..< bytes.count].enumerated() {
            try bytes[cut].withUnsafeBytes { try parser.feed($0) }
            if let pack = parser.takeEvents() {
                batches.append(StreamMessageBatch(events: pack, arrival: base + .milliseconds(100 + 10 * i)))
            }
        }
        XCTAssertEqual(batches.count, 3)
        return .stream(status: 200, headers: [("Content-Type", "text/event-stream")], stream: FakePackedStream(batches),
                       sentAt: base, headDuration: .milliseconds(20))
    }

    func testCollectOverPackedBatchesJoinsCapturesAndLeavesTheRestForLaterSteps() async throws {
        let transport = FakeSSETransport { _, _ in try! Self.packedOpening() }
        let report = try await run("""
        cases:
          - id: agent
            auth: none
            sse:
              url: "{{ base_url }}/stream"
              steps:
                - receive: {event: agent_started, id: "1", capture: {run: $.run_id}}
                - collect: {match: {event: token}, until: {json: {$.result: done}}, join: $.delta, capture: answer, text: "Costs rose 12% overall.", count: 5}
                - receive: {event: after, json: {$.n: 1}}
        """, transport)
        XCTAssertEqual(report.outcome("agent"), .passed, "\(report.result("agent")?.failures.map(\.message) ?? [])")
        let s = try XCTUnwrap(report.result("agent")?.streams.first)
        XCTAssertEqual(s.messages, 5)
        XCTAssertEqual(s.first, .milliseconds(100), "the first token came in the first read")
        XCTAssertEqual(s.gap("max"), .milliseconds(10), "tokens of one read share its arrival; the reads are 10ms apart")
    }

    func testCollectOverPackedBatchesByNameShowsTheLastMessagesWhenItFails() async throws {
        let transport = FakeSSETransport { _, _ in try! Self.packedOpening() }
        let report = try await run("""
        cases:
          - id: agent
            auth: none
            sse:
              url: "{{ base_url }}/stream"
              steps:
                - collect: {match: {event: token}, count: 6}
        """, transport)
        let message = report.result("agent")?.failures.first?.message ?? ""
        XCTAssertTrue(message.contains("collected 5 messages; the last 5 of 8 received: [+110ms] event: token  {\"delta\":\" 12%\"}"), message)
        XCTAssertTrue(message.hasSuffix(#"[+120ms] event: after  {"n":1}"#), message)
    }
}
