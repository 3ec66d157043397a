import XCTest

@testable import RehearseRuntime

/// The SSE parser against the WHATWG rules ("Interpreting an event stream"), fed whole and
/// split at every byte, since a network read can end anywhere.
final class SSEParserTests: XCTestCase {
    static func parse(_ chunks: [[UInt8]], max: Int = 1 << 20) throws -> [SSEEvent] {
        var parser = SSEParser(maxEventBytes: max)
        var out: [SSEEvent] = []
        for c in chunks { try parser.feed(c) { out.append($0) } }
        return out
    }

    static func parse(_ text: String) throws -> [SSEEvent] { try parse([Array(text.utf8)]) }

    /// The same events whether the bytes come in one read, split at any one point, or one by one.
    func assertEverySplit(_ bytes: [UInt8], _ expected: [SSEEvent], file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try Self.parse([bytes]), expected, "whole", file: file, line: line)
        for cut in 0...bytes.count {
            XCTAssertEqual(try Self.parse([Array(bytes[..<cut]), Array(bytes[cut...])]), expected, "split at \(cut)",
                           file: file, line: line)
        }
        XCTAssertEqual(try Self.parse(bytes.map { [$0] }), expected, "byte by byte", file: file, line: line)
    }

    func testFieldsAndMultiLineData() throws {
        let text = "event: token\nid: 7\ndata: {\"a\":1}\ndata: second line\n\n"
        try assertEverySplit(Array(text.utf8), [SSEEvent(event: "token", data: "{\"a\":1}\nsecond line", id: "7")])
    }

    func testLineEndsCRLFCRAndLFAreAllOneLineEnd() throws {
        let expected = [SSEEvent(event: "a", data: "x\ny"), SSEEvent(data: "z")]
        for end in ["\n", "\r", "\r\n"] {
            let text = ["event: a", "data: x", "data: y", "", "data: z", "", ""].joined(separator: end)
            try assertEverySplit(Array(text.utf8), expected)
        }
        // Mixed in one stream.
        try assertEverySplit(Array("data: a\r\ndata: b\rdata: c\n\r\n".utf8), [SSEEvent(data: "a\nb\nc")])
    }

    func testALeadingBOMIsSkippedOnceEvenWhenSplit() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("data: hi\n\n".utf8)
        try assertEverySplit(bytes, [SSEEvent(data: "hi")])
        // A BOM later in the stream is data, not skipped.
        let later = Array("data: a\n\n".utf8) + [0xEF, 0xBB, 0xBF] + Array("data: b\n\n".utf8)
        XCTAssertEqual(try Self.parse([later]).count, 1, "the field name starts with a BOM, so it is no `data` field")
    }

    func testCommentsAndUnknownFieldsAreIgnored() throws {
        let text = ": heartbeat\n\n:another\nfoo: bar\ndata: x\n: in between\n\n"
        try assertEverySplit(Array(text.utf8), [SSEEvent(data: "x")])
    }

    func testColonAndSpaceRules() throws {
        // Only one leading space is removed; a line without a colon is a field with an empty value.
        XCTAssertEqual(try Self.parse("data:  two spaces\n\n"), [SSEEvent(data: " two spaces")])
        XCTAssertEqual(try Self.parse("data:no space\n\n"), [SSEEvent(data: "no space")])
        XCTAssertEqual(try Self.parse("data\n\n"), [SSEEvent(data: "")])
        XCTAssertEqual(try Self.parse("data\ndata\n\n"), [SSEEvent(data: "\n")])
        XCTAssertEqual(try Self.parse("data: a:b:c\n\n"), [SSEEvent(data: "a:b:c")])
    }

    func testAnEventWithoutDataIsNotDispatchedAndItsNameIsReset() throws {
        XCTAssertEqual(try Self.parse("event: lonely\n\ndata: x\n\n"), [SSEEvent(data: "x")])
    }

    func testIdCarriesOverAndAnEmptyIdResetsIt() throws {
        let events = try Self.parse("id: 1\ndata: a\n\ndata: b\n\nid\ndata: c\n\nid: x\u{0}y\ndata: d\n\n")
        XCTAssertEqual(events.map(\.id), ["1", "1", nil, nil], "an id with NUL is ignored, so the empty one stays")
    }

    func testRetryTakesDigitsOnly() throws {
        XCTAssertEqual(try Self.parse("retry: 1500\ndata: a\n\n").first?.retry, 1500)
        XCTAssertEqual(try Self.parse("retry: 15s\ndata: a\n\n").first?.retry, nil)
    }

    func testAnIncompleteEventAtTheEndIsDropped() throws {
        XCTAssertEqual(try Self.parse("data: done\n\ndata: half"), [SSEEvent(data: "done")])
        XCTAssertEqual(try Self.parse("data: no blank line\n"), [])
    }

    func testMultiByteUTF8SplitInsideACharacter() throws {
        try assertEverySplit(Array("data: café ☕ 日本\n\n".utf8), [SSEEvent(data: "café ☕ 日本")])
    }

    func testAnEventOverTheCapThrowsInsteadOfGrowing() {
        var parser = SSEParser(maxEventBytes: 1024)
        let line = Array("data: ".utf8) + [UInt8](repeating: 0x61, count: 600) + [0x0A]
        XCTAssertThrowsError(try parser.feed(line + line) { _ in }) { error in
            XCTAssertEqual((error as? SSEParser.Overflow)?.limit, 1024)
        }
        // A line that never ends is caught too, without a line end in sight.
        var endless = SSEParser(maxEventBytes: 1024)
        XCTAssertThrowsError(try endless.feed([UInt8](repeating: 0x61, count: 2000)) { _ in })
    }

    func testManySmallEventsInOneRead() throws {
        let text = String(repeating: "event: token\ndata: {\"delta\":\"x\"}\n\n", count: 10_000)
        let events = try Self.parse(text)
        XCTAssertEqual(events.count, 10_000)
        XCTAssertEqual(events.last, SSEEvent(event: "token", data: "{\"delta\":\"x\"}"))
    }
}
