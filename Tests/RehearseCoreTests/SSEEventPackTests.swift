import XCTest

@testable import RehearseRuntime

/// The packed form of parsed events (one byte store per read, names and ids as indices): the
/// events read back from the packs must be exactly the events of the stream, however the reads
/// fall, and a message made from a pack must own its bytes.
final class SSEEventPackTests: XCTestCase {
    /// Feeds each chunk and takes the pack after it, as the SSE transport does per body part.
    static func packs(_ chunks: [[UInt8]]) throws -> [SSEEventPack] {
        var parser = SSEParser(maxEventBytes: 1 << 22)
        var out: [SSEEventPack] = []
        for c in chunks {
            try c.withUnsafeBytes { raw in try parser.feed(raw) }
            if let pack = parser.takeEvents() { out.append(pack) }
        }
        return out
    }

    static func events(_ packs: [SSEEventPack]) -> [SSEEvent] {
        packs.flatMap { p in (0..<p.count).map { p.event($0) } }
    }

    static let stream = Array(("retry: 5\nevent: agent_started\nid: 1\ndata: {\"run\":\"r1\"}\n\n"
        + "event: token\ndata: {\"delta\":\"a\"}\n\n: heartbeat\n\nevent: token\r\ndata: two\r\ndata: lines\r\n\r\n"
        + "data: unnamed\n\nid: 2\nretry: 7\nevent: token\ndata: café ☕\n\nevent: agent_completed\ndata: {}\n\n").utf8)

    static let expected = [
        SSEEvent(event: "agent_started", data: "{\"run\":\"r1\"}", id: "1", retry: 5),
        SSEEvent(event: "token", data: "{\"delta\":\"a\"}", id: "1", retry: 5),
        SSEEvent(event: "token", data: "two\nlines", id: "1", retry: 5),
        SSEEvent(event: "message", data: "unnamed", id: "1", retry: 5),
        SSEEvent(event: "token", data: "café ☕", id: "2", retry: 7),
        SSEEvent(event: "agent_completed", data: "{}", id: "2", retry: 7),
    ]

    func testEventsReadBackFromThePacksAreTheStreamsWhereverTheReadsSplit() throws {
        XCTAssertEqual(Self.events(try Self.packs([Self.stream])), Self.expected, "one read")
        for cut in 0...Self.stream.count {
            let packs = try Self.packs([Array(Self.stream[..<cut]), Array(Self.stream[cut...])])
            XCTAssertEqual(Self.events(packs), Self.expected, "split at \(cut)")
            XCTAssertFalse(packs.contains { $0.isEmpty }, "no empty pack is handed over")
        }
        for a in stride(from: 0, through: Self.stream.count, by: 7) {
            for b in a...Self.stream.count {
                let chunks = [Array(Self.stream[..<a]), Array(Self.stream[a..<b]), Array(Self.stream[b...])]
                XCTAssertEqual(Self.events(try Self.packs(chunks)), Self.expected, "split at \(a) and \(b)")
            }
        }
        let byByte = try Self.packs(Self.stream.map { [$0] })
        XCTAssertEqual(Self.events(byByte), Self.expected, "byte by byte")
        XCTAssertEqual(byByte.count, Self.expected.count, "one pack per read that ends an event")
    }

    /// Line ends are looked for eight bytes at a time: each kind at every offset in a word, and a
    /// byte that differs from CR or LF by one bit (or is 0x8A, 0x8D) never taken for one.
    func testLineEndsAreFoundAtEveryOffsetOfALongLine() throws {
        for end in ["\n", "\r", "\r\n"] {
            for length in 0...40 {
                let value = String((0..<length).map { i in Array("x\u{0B}\u{0C}\u{0E}\u{09}\u{08}y\u{0F}")[i % 8] })
                let text = "data: " + value + end + "data:" + value + "!" + end + end
                let expected = [SSEEvent(data: value + "\n" + value + "!")]
                XCTAssertEqual(Self.events(try Self.packs([Array(text.utf8)])), expected, "\(length) bytes, end \(end.debugDescription)")
                let bytes = Array(text.utf8)
                for cut in [1, 7, 8, 9, bytes.count / 2] where cut < bytes.count {
                    XCTAssertEqual(Self.events(try Self.packs([Array(bytes[..<cut]), Array(bytes[cut...])])), expected,
                                   "\(length) bytes, end \(end.debugDescription), split at \(cut)")
                }
            }
        }
        let high: [UInt8] = Array("data: ".utf8) + [0x8A, 0x8D, 0x8A, 0x8D, 0x8A, 0x8D, 0x8A, 0x8D, 0x0A, 0x0A]
        XCTAssertEqual(Self.events(try Self.packs([high])).map(\.dataBytes), [[0x8A, 0x8D, 0x8A, 0x8D, 0x8A, 0x8D, 0x8A, 0x8D]])
    }

    func testAnEventSpanningReadsIsCarriedIntoTheNextPackAndLeftOutOfTheFirst() throws {
        let packs = try Self.packs([Array("data: a\n\ndata: hel".utf8), Array("lo\ndata: world\n\ndata: b\n\n".utf8)])
        XCTAssertEqual(packs.count, 2)
        XCTAssertEqual(packs[0].store, Array("a".utf8), "the half event's bytes are not in the first pack")
        XCTAssertEqual(packs[1].store, Array("hello\nworldb".utf8), "its data continues in the next, then the next event's")
        XCTAssertEqual(Self.events(packs).map(\.data), ["a", "hello\nworld", "b"])
    }

    func testAnEventLongerThanManyReadsGrowsInOneStoreWithoutAPackUntilItEnds() throws {
        var parser = SSEParser(maxEventBytes: 1 << 22)
        let part = [UInt8](repeating: 0x61, count: 1024)
        try Array("data: ".utf8).withUnsafeBytes { try parser.feed($0) }
        for _ in 0..<1_000 {
            try part.withUnsafeBytes { try parser.feed($0) }
            XCTAssertNil(parser.takeEvents(), "nothing completed, nothing handed over (and nothing copied)")
        }
        try Array("\n\n".utf8).withUnsafeBytes { try parser.feed($0) }
        let pack = try XCTUnwrap(parser.takeEvents())
        XCTAssertEqual(pack.count, 1)
        XCTAssertEqual(pack.data(0).count, 1_024_000)
    }

    func testAMessagesBytesStayValidAfterItsBatchAndTheOtherMessagesAreDropped() throws {
        let arrival = ContinuousClock.now
        var kept: [StreamMessage] = []
        do {
            let pack = try XCTUnwrap(try Self.packs([Self.stream]).first)
            var batch: StreamMessageBatch? = StreamMessageBatch(events: pack, arrival: arrival)
            kept = [batch![2], batch![4]]
            var other = batch![1]
            other.bytes.removeAll()
            batch = nil
        }
        XCTAssertEqual(kept.map(\.text), ["two\nlines", "café ☕"])
        XCTAssertEqual(kept.map(\.event), ["token", "token"])
        XCTAssertEqual(kept.map(\.id), ["1", "2"])
        XCTAssertEqual(kept.map(\.arrival), [arrival, arrival], "the events of one read share its arrival")
        kept[0].bytes[0] = 0x54
        XCTAssertEqual(kept.map(\.text), ["Two\nlines", "café ☕"], "each message owns its bytes")
    }

    func testNamesAndIdsHoldAcrossPacksAndTheNameTableStartsAfreshPastItsLimit() throws {
        var chunks: [[UInt8]] = [Array("id: 9\n".utf8)]
        // Each read ends one event and names the next, so the name in progress crosses the take.
        let names = 3 * SSEParser.internLimit
        for i in 0..<names { chunks.append(Array("data: \(i)\n\nevent: n\(i + 1)\n".utf8)) }
        chunks.append(Array("data: last\n\n".utf8))
        let packs = try Self.packs(chunks)
        let events = Self.events(packs)
        XCTAssertEqual(events.count, names + 1)
        XCTAssertEqual(events.map(\.event), ["message"] + (1...names).map { "n\($0)" })
        XCTAssertEqual(events.map(\.data), (0..<names).map { "\($0)" } + ["last"])
        XCTAssertTrue(events.allSatisfy { $0.id == "9" }, "the id carries over from pack to pack")
        XCTAssertLessThanOrEqual(packs.map(\.names.count).max() ?? 0, SSEParser.internLimit + 2, "the name table is bounded")
    }

    func testAPackedBatchReadsAsTheSameMessagesAsAListAndSkimsAlike() throws {
        let arrival = ContinuousClock.now
        let pack = try XCTUnwrap(try Self.packs([Self.stream]).first)
        let packed = StreamMessageBatch(events: pack, arrival: arrival)
        let listed = StreamMessageBatch(Self.expected.map {
            StreamMessage(event: $0.event, id: $0.id, bytes: $0.dataBytes, arrival: arrival)
        })
        XCTAssertEqual(packed.count, listed.count)
        func same(_ a: [StreamMessage], _ b: [StreamMessage], _ what: String) {
            XCTAssertEqual(a.map(\.event), b.map(\.event), what)
            XCTAssertEqual(a.map(\.id), b.map(\.id), what)
            XCTAssertEqual(a.map(\.bytes), b.map(\.bytes), what)
        }
        same(packed.messages(0..<packed.count), listed.messages(0..<listed.count), "all")
        same(packed.messages(2..<4), listed.messages(2..<4), "a range")
        let rest = packed.dropFirst(3)
        same(rest.messages(0..<rest.count), Array(listed.messages(0..<listed.count)[3...]), "dropFirst")
        let cases: [(String?, String?, Int)] = [("token", "agent_completed", 0), ("token", nil, 2), (nil, "message", 1),
                                                (nil, nil, 0), ("nothing", "agent_started", 0), ("message", "token", 4)]
        for (match, until, from) in cases {
            var a = ArrivalTimes(), b = ArrivalTimes()
            let p = packed.skim(from: from, match: match, until: until, arrivals: &a)
            let l = listed.skim(from: from, match: match, until: until, arrivals: &b)
            XCTAssertEqual(p.end, l.end, "\(match ?? "any") until \(until ?? "none") from \(from)")
            XCTAssertEqual(p.until, l.until, "\(match ?? "any") until \(until ?? "none") from \(from)")
            XCTAssertEqual(a.count, b.count, "\(match ?? "any") until \(until ?? "none") from \(from)")
        }
        var arrivals = ArrivalTimes()
        let skimmed = packed.skim(from: 0, match: "token", until: "agent_completed", arrivals: &arrivals)
        XCTAssertEqual(skimmed.until, 5)
        XCTAssertEqual(skimmed.end, 6, "reading stops after the message `until` took")
        XCTAssertEqual(arrivals.count, 3)
    }
}
