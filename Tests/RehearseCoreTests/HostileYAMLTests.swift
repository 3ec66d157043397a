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

/// Plans written to hurt the loader: nesting deep enough to overflow a recursive walk, aliases
/// that multiply, bytes that are not text. Each must end in a positioned error, quickly, in
/// process (a crash here would take the whole test run with it).
final class HostileYAMLTests: XCTestCase {
    func parse(_ text: String) -> (plan: Plan?, diagnostics: [Diagnostic]) {
        SuiteLoader.parsePlan(Array(text.utf8), id: "p", path: "p.yaml")
    }

    func plan(body: String) -> String {
        "cases:\n  - id: a\n    request: {method: POST, url: \"http://x/\", json: \(body)}\n    expect: {status: 200}\n"
    }

    // MARK: nesting

    /// 900 deep: the libyaml the tests link (Yams' copy) stops flow sequences at 1,000 levels
    /// by itself; the system libyaml of the shipped binary does not (see the binary test below,
    /// 20,000 deep).
    func testDeepFlowSequenceInJSONBodyIsAPositionedError() throws {
        let depth = 900
        let (p, d) = parse(plan(body: String(repeating: "[", count: depth) + String(repeating: "]", count: depth)))
        XCTAssertNil(p)
        let e = try XCTUnwrap(d.first { $0.code.rawValue == "too-deep" }, "\(d)")
        XCTAssertEqual(e.location.position?.line, 3)
        // The body starts at column 50; the error points at the first bracket past the limit.
        let column = try XCTUnwrap(e.location.position?.column)
        XCTAssertGreaterThan(column, 50)
        XCTAssertLessThan(column, 50 + 1_000)
        XCTAssertNotNil(e.hint)
    }

    func testDeepMappingInVarsIsAPositionedError() throws {
        let depth = 10_000
        var text = "vars:\n  v: "
        text += String(repeating: "{a: ", count: depth) + "1" + String(repeating: "}", count: depth)
        text += "\ncases:\n  - id: a\n    request: GET http://x/\n    expect: {status: 200}\n"
        let (_, d) = parse(text)
        let e = try XCTUnwrap(d.first { $0.code.rawValue == "too-deep" }, "\(d.prefix(3))")
        XCTAssertEqual(e.location.position?.line, 2)
    }

    func testThreeThousandNestedNotMatchersAreAPositionedError() throws {
        let depth = 3_000
        let matcher = String(repeating: "{not: ", count: depth) + "1" + String(repeating: "}", count: depth)
        let text = "cases:\n  - id: a\n    request: GET http://x/\n    expect: {json: {$.a: \(matcher)}}\n"
        XCTAssertLessThan(text.utf8.count, 25_000)
        let (_, d) = parse(text)
        let e = try XCTUnwrap(d.first { $0.code.rawValue == "too-deep" }, "\(d.prefix(3))")
        XCTAssertEqual(e.location.position?.line, 4)
    }

    func testDeepSuiteConfigIsAPositionedError() throws {
        let depth = 10_000
        let text = "vars:\n  v: " + String(repeating: "{a: ", count: depth) + "1" + String(repeating: "}", count: depth) + "\n"
        let (_, d) = SuiteLoader.parseSuite(Array(text.utf8), path: "rehearse.yaml")
        XCTAssertTrue(d.contains { $0.code.rawValue == "too-deep" }, "\(d.prefix(3))")
    }

    /// Aliases stack depth too: an anchor used inside a deep list is as deep as both together.
    func testAliasesCannotStackDepthPastTheLimit() throws {
        let n = YAMLLoader.maxDepth / 2 - 10  // each anchor alone is well inside the limit
        func lists(_ inner: String) -> String { String(repeating: "[", count: n) + inner + String(repeating: "]", count: n) }
        var text = "x-a: &a \(lists(""))\n"
        text += "x-b: &b \(lists("*a"))\n"
        text += "x-c: &c \(lists("*b"))\n"
        text += "cases:\n  - id: a\n    request: {method: POST, url: \"http://x/\", json: *c}\n    expect: {status: 200}\n"
        let (_, d) = parse(text)
        XCTAssertEqual(d.map(\.code), [.tooDeep])
        XCTAssertEqual(d.first?.location.position, SourcePosition(line: 3, column: 9 + n))
    }

    /// Just below the limit everything still works, through lint on the loader's worker
    /// threads and the compiler: every recursive walk has room for the deepest tree admitted.
    func testNestingAtTheLimitLintsCleanly() throws {
        let depth = YAMLLoader.maxDepth - 4  // the body sits inside cases/item/request mappings
        let dir = NSTemporaryDirectory() + "rehearse-deep-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let body = String(repeating: "{a: [", count: depth / 2) + "\"{{ w }}\"" + String(repeating: "]}", count: depth / 2)
        let matcher = String(repeating: "{not: ", count: depth - 8) + "1" + String(repeating: "}", count: depth - 8)
        let text = "vars: {w: 1, v: \(body)}\ncases:\n  - id: a\n    request: {method: POST, url: \"http://x/\", json: \(body)}\n"
            + "    expect: {status: 200, json: {$.a: \(matcher)}}\n"
        try text.write(toFile: dir + "/deep.yaml", atomically: true, encoding: .utf8)
        let result = Lint.run(paths: [dir])
        XCTAssertEqual(result.errorCount, 0, result.renderText())
        XCTAssertNotNil(result.graph)
    }

    /// One level more is refused, at the bracket that goes past the limit.
    func testOneLevelPastTheLimitIsRefusedAtTheBracket() throws {
        let bag = DiagnosticBag(file: "t.yaml")
        let depth = YAMLLoader.maxDepth + 1
        // The mapping holding `x` is the first level.
        func text(_ lists: Int) -> [UInt8] {
            Array(("x: " + String(repeating: "[", count: lists - 1) + "[]" + String(repeating: "]", count: lists - 1)).utf8)
        }
        XCTAssertNil(YAMLLoader.load(text(depth - 1), diagnostics: bag))
        XCTAssertEqual(bag.items.map(\.code), [.tooDeep])
        XCTAssertEqual(bag.items.first?.location.position, SourcePosition(line: 1, column: 4 + depth - 2))
        let ok = DiagnosticBag(file: "t.yaml")
        XCTAssertNotNil(YAMLLoader.load(text(depth - 2),
                                        diagnostics: ok))
        XCTAssertEqual(ok.items.count, 0)
    }

    /// The shipped binary links the system libyaml, which (unlike the copy the tests link
    /// through Yams) has no nesting limit of its own: there the loader's limit is all there is.
    func testBinaryReportsDeepNestingInsteadOfCrashing() throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("rehearse").path
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw XCTSkip("no rehearse binary beside the tests") }
        let file = NSTemporaryDirectory() + "rehearse-deep-\(UUID().uuidString).yaml"
        defer { try? FileManager.default.removeItem(atPath: file) }
        try plan(body: String(repeating: "[", count: 20_000) + String(repeating: "]", count: 20_000)).write(toFile: file, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["lint", "--no-color", file]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .exit, text)
        XCTAssertEqual(process.terminationStatus, 2, text)
        XCTAssertTrue(text.contains("error[too-deep]"), text)
    }

    /// A JSONPath filter is parsed recursively too: 50,000 nested parentheses in one scalar
    /// crashed lint before the plan's nesting limit was applied inside paths.
    func testDeeplyNestedJSONPathFilterIsAPositionedError() throws {
        let n = 50_000
        for filter in [String(repeating: "(", count: n) + "@.a" + String(repeating: ")", count: n),
                       String(repeating: "!", count: n) + "@.a"] {
            let text = "cases:\n  - id: a\n    request: GET http://x/\n    expect: {status: 200}\n    capture:\n      x: \"$[?\(filter)]\"\n"
            let (_, d) = parse(text)
            XCTAssertEqual(d.map(\.code), [.tooDeep])
            // `$` is at column 11 and `[` counts as the first level.
            XCTAssertEqual(d.first?.location.position, SourcePosition(line: 6, column: 13 + YAMLLoader.maxDepth))
        }
        let many = (0..<200).map { "@.a\($0) != 1" }.joined(separator: " && ")
        let (p, d) = parse("cases:\n  - id: a\n    request: GET http://x/\n    expect: {status: 200}\n    capture:\n      x: \"$[?\(many)]\"\n")
        XCTAssertNotNil(p)
        XCTAssertEqual(d.count, 0, "a long flat filter is not deep: \(d)")
    }

    // MARK: aliases

    /// `&aN [*aN-1, ×10]`: each level ten times the one before.
    func laughs(levels: Int) -> String {
        var text = "x-0: &a0 [lol]\n"
        for n in 1...levels {
            text += "x-\(n): &a\(n) [" + Array(repeating: "*a\(n - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        return text + "cases:\n  - id: a\n    request: {method: POST, url: \"http://x/\", json: *a\(levels)}\n    expect: {status: 200}\n"
    }

    func testBillionLaughsIsRefusedQuickly() throws {
        for levels in [7, 10] {
            let started = Date()
            let (p, d) = parse(laughs(levels: levels))
            XCTAssertLessThan(Date().timeIntervalSince(started), 2, "\(levels) levels")
            XCTAssertNil(p)
            let e = try XCTUnwrap(d.first { $0.code.rawValue == "alias-expansion" }, "\(levels) levels: \(d.prefix(3))")
            XCTAssertNotNil(e.location.position)
            XCTAssertNotNil(e.hint)
        }
    }

    func testOrdinaryAliasUseStaysAllowed() {
        let (p, d) = parse(laughs(levels: 3))  // 1,000 leaves: a big but honest body
        XCTAssertNotNil(p)
        XCTAssertEqual(d.count, 0, "\(d)")
    }

    // MARK: bytes that are not text

    func testNULOnLineFourIsReportedThere() throws {
        let text = Array("cases:\n  - id: a\n    request: GET http://x/\n    expect: {status: 2".utf8) + [0] + Array("00}\n".utf8)
        let (_, d) = SuiteLoader.parsePlan(text, id: "p", path: "p.yaml")
        let e = try XCTUnwrap(d.first)
        XCTAssertEqual(e.code, .yamlSyntax)
        XCTAssertEqual(e.location.position, SourcePosition(line: 4, column: 23))
    }

    func testInvalidUTF8OnLineFourIsReportedThere() throws {
        let text = Array("cases:\n  - id: a\n    request: GET http://x/\n    expect: {status: 2".utf8) + [0xFF] + Array("00}\n".utf8)
        let (_, d) = SuiteLoader.parsePlan(text, id: "p", path: "p.yaml")
        let e = try XCTUnwrap(d.first)
        XCTAssertEqual(e.code, .yamlSyntax)
        XCTAssertEqual(e.location.position, SourcePosition(line: 4, column: 23))
        XCTAssertEqual(e.hint, "the file must be UTF-8 text")
    }

    /// The column of a bad byte counts characters, as editors do, not bytes.
    func testColumnOfABadByteCountsCharacters() throws {
        let text = Array("name: \"héllo wörld\"\n# ä".utf8) + [0x01] + Array("\n".utf8)
        let bag = DiagnosticBag(file: "t.yaml")
        _ = YAMLLoader.load(text, diagnostics: bag)
        XCTAssertEqual(bag.items.first?.location.position, SourcePosition(line: 2, column: 4))
    }

    func testRenderedSourceLineHoldsNoControlCharacters() throws {
        let text = Array("cases:\n  - id: a\n    request: GET http://x/\n    expect: {status: 2".utf8) + [0, 0x1B] + Array("[31m00}\n".utf8)
        let (_, d) = SuiteLoader.parsePlan(text, id: "p", path: "p.yaml")
        let out = DiagnosticRenderer(sources: ["p.yaml": text]).text(try XCTUnwrap(d.first))
        XCTAssertFalse(out.utf8.contains(0), out)
        XCTAssertFalse(out.utf8.contains(0x1B), out)
        XCTAssertTrue(out.contains(" 4 | "), out)
    }

    /// On a line longer than the renderer shows, the caret still sits under the problem.
    func testCaretOnAVeryLongLinePointsAtTheProblem() throws {
        let line = "x: [" + String(repeating: "a, ", count: 400) + "@oops]"
        let column = line.count - "@oops]".count + 1
        let d = Diagnostic(.yamlSyntax, .error, "bad", at: SourceLocation(file: "f.yaml", position: SourcePosition(line: 1, column: column), length: 5))
        let out = DiagnosticRenderer(sources: ["f.yaml": Array((line + "\n").utf8)]).text(d)
        let lines = out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let shown = try XCTUnwrap(lines.first { $0.hasPrefix(" 1 | ") })
        let carets = try XCTUnwrap(lines.first { $0.contains("^") })
        let caretAt = try XCTUnwrap(carets.firstIndex(of: "^")).utf16Offset(in: carets)
        let chars = Array(shown.utf16)
        XCTAssertLessThan(caretAt, chars.count, out)
        XCTAssertEqual(String(utf16CodeUnits: Array(chars[caretAt..<min(caretAt + 5, chars.count)]), count: min(5, chars.count - caretAt)), "@oops", out)
        XCTAssertLessThan(shown.count, 300, "the shown line is cut to a window")
    }

    // MARK: flow mappings with JSONPath keys

    func testFlowMappingWithUnquotedJSONPathKeySuggestsQuoting() throws {
        let text = "cases:\n  - id: a\n    request: GET http://x/\n    expect: {status: 200, json: {$.items[0].id: 1}}\n"
        let (_, d) = parse(text)
        let e = try XCTUnwrap(d.first)
        XCTAssertEqual(e.code, .yamlSyntax)
        XCTAssertTrue(e.hint?.contains("\"$.items[0].id\": 1") ?? false, e.hint ?? "no hint")
    }

    func testJSONPathKeyHintQuotesTheWholeKeyAndValue() throws {
        let cases: [(String, String)] = [
            ("{$[0]: 1}", "`\"$[0]\": 1`"),
            ("{status: 200, json: {\"$.ok\": 1, $.items[*].id: {exists: true}}}", "`\"$.items[*].id\": {exists: true}`"),
            ("{json: {$..book[?(@.price < 10)].title: x}}", "`\"$..book[?(@.price < 10)].title\": x`"),
            ("{json: {$.a[\"b\"]: 2}}", "`'$.a[\"b\"]': 2`"),
        ]
        for (expect, quoted) in cases {
            let key = expect.hasPrefix("{$") ? "json: " : ""
            let (_, d) = parse("cases:\n  - id: a\n    request: GET http://x/\n    expect: \(key.isEmpty ? expect : "{\(key)\(expect)}")\n")
            XCTAssertEqual(d.first?.code, .yamlSyntax, expect)
            XCTAssertTrue(d.first?.hint?.hasSuffix(quoted) ?? false, "\(expect): \(d.first?.hint ?? "no hint")")
        }
    }

    func testOtherFlowMappingErrorsKeepTheirHint() throws {
        let text = "cases:\n  - id: a\n    request: GET http://x/\n    expect: {status: 200 json: [1]}\n"
        let (_, d) = parse(text)
        XCTAssertFalse(d.first?.hint?.contains("JSONPath") ?? false, d.first?.hint ?? "")
    }
}
