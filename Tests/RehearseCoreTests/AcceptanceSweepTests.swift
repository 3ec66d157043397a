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

/// What an acceptance sweep of issues #11, #17 and #19 found, with plans and servers not in the
/// repository: each test here failed on the code the sweep started from.
final class AcceptanceSweepTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("rehearse-sweep-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: dir)
    }

    func write(_ name: String, _ text: String) throws {
        let path = dir + "/" + name
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    // MARK: durations too long for the clock (#17: never a crash)

    /// `timeout: 99999999h` trapped converting to nanoseconds (signal 4 in lint and run alike).
    func testADurationTooLongForTheClockIsAPositionedError() throws {
        let text = "cases:\n  - id: a\n    timeout: 99999999h\n    request: GET http://x/\n    expect: {status: 200}\n"
        let (_, d) = SuiteLoader.parsePlan(Array(text.utf8), id: "p", path: "p.yaml")
        let e = try XCTUnwrap(d.first { $0.code == .duration }, "\(d)")
        XCTAssertEqual(e.location.position, SourcePosition(line: 3, column: 14))
        XCTAssertEqual(e.hint, "a duration is at most 1000000h")
        XCTAssertNil(DurationParser.parse("2562048h"))
        XCTAssertNil(DurationParser.parse("9223372037s"))
        XCTAssertEqual(DurationParser.parse("1000000h"), .seconds(1_000_000 * 3600))
    }

    // MARK: regexes that nest character classes deeply (#17 item 1: never a crash)

    /// `matches: "[[[[…a]]]]"` 10,000 deep overflowed the stack of Swift's regex parser (signal 11
    /// in lint). The same pattern can come from a server: a JSONPath `match()` whose pattern is a
    /// document value, or a template rendered from a capture.
    func testDeeplyNestedCharacterClassesAreRefusedNotCrashed() throws {
        let deep = String(repeating: "[", count: 10_000) + "a" + String(repeating: "]", count: 10_000)
        let message = try XCTUnwrap(RegexStore.shared.error(for: deep))
        XCTAssertTrue(message.contains("nest"), message)
        XCTAssertNil(RegexStore.shared.error(for: "[[a-z]&&[^q]]"), "ordinary set operations still compile")
        // A chain of set operations recurses as deeply (5,000 `&&` crashed too).
        let chain = "[" + String(repeating: "a&&", count: 5_000) + "b]"
        XCTAssertTrue(RegexStore.shared.error(for: chain)?.contains("set operations") == true)
        XCTAssertNil(RegexStore.shared.error(for: "[\\w--\\d]"))
        let doc: JSONValue = .array([.object(["a": .string("a"), "p": .string(deep)])])
        XCTAssertEqual(try JSONPath("$[?match(@.a, @.p)]").select(in: doc), [])
        let schema = try JSONValue.parse(#"{"pattern": "\#(deep)"}"#)
        XCTAssertThrowsError(try JSONSchemaValidator(schema: schema))
        // Rendered from a capture at run time: the case fails, saying why, in a readable length.
        let evaluator = MatcherEvaluator(renderer: JSONPathConformanceTests.renderer)
        let matcher = Matcher.matches(RegexSource(pattern: Template(literal: deep), position: SourcePosition(line: 1, column: 1)))
        let why = try XCTUnwrap(try evaluator.check(matcher, .string("a")))
        XCTAssertTrue(why.contains("nest more than 100 levels") && why.count < 400, why)
    }

    /// `match()`/`search()` in a JSONPath filter matched without the regex budget: `(a+)+b` against
    /// 26 `a`s and a `!` from a server ran for minutes, ignoring --timeout and the first signals.
    func testAJSONPathFilterRegexIsBoundedByTheBudget() throws {
        let started = ContinuousClock.now
        let doc: JSONValue = .array([.string(String(repeating: "a", count: 30) + "!"), .string("ab")])
        XCTAssertEqual(try JSONPath("$[?match(@, '(a+)+b')]").select(in: doc), [.string("ab")])
        XCTAssertEqual(try JSONPath("$[?search(@, '(a+)+b')]").select(in: doc), [.string("ab")])
        XCTAssertLessThan(ContinuousClock.now - started, BoundedRegex.budget * 3)
    }

    /// A schema `pattern` matched server text without the budget as well.
    func testASchemaPatternIsBoundedByTheBudget() throws {
        let started = ContinuousClock.now
        let validator = try JSONSchemaValidator(schema: try JSONValue.parse(#"{"items": {"pattern": "^(a+)+$"}}"#))
        let problems = validator.validate(.array([.string(String(repeating: "a", count: 30) + "!"), .string("aa")]))
        XCTAssertEqual(problems.map(\.instancePath), ["/0"])
        XCTAssertLessThan(ContinuousClock.now - started, BoundedRegex.budget * 3)
    }

    // MARK: schema files reached through $ref stay inside the suite (#17 item 17)

    func testARefLeadingOutOfTheSuiteIsALintError() throws {
        try write("suite/rehearse.yaml", "version: 1\nvars: {base_url: \"http://api.test\"}\n")
        try write("suite/p.yaml", "cases:\n  - id: a\n    request: GET {{ base_url }}/x\n    expect: {status: 200, schema: schemas/r.json}\n")
        try write("suite/schemas/r.json", #"{"$ref": "../../outside.json"}"#)
        try write("outside.json", #"{"required": ["never"]}"#)
        let result = Lint.run(paths: [dir + "/suite"])
        let e = try XCTUnwrap(result.diagnostics.first { $0.code == .schemaFile }, result.renderText())
        XCTAssertEqual(e.location.position, SourcePosition(line: 4, column: 35))
        XCTAssertTrue(e.message.contains("outside.json") && e.message.contains("inside the suite folder"), e.message)
    }

    // MARK: interrupted cases are counted apart in every counts line (#17 item 18)

    /// The by-priority table and the JSON totals kept interrupted cases apart, but the console's and
    /// the Markdown's counts line still called cases an interrupt kept from starting "skipped".
    func testTheCountsLineCountsInterruptedCasesApart() {
        var results = [ReportFixtures.result("p/ok", .passed), ReportFixtures.result("p/bad", .failed)]
        results.append(ReportFixtures.result("p/cut", .errored, failure: Failure(.interrupted, "interrupted")))
        results.append(ReportFixtures.result("p/later1", .skipped, reason: "interrupted"))
        results.append(ReportFixtures.result("p/later2", .skipped, reason: "interrupted"))
        results.append(ReportFixtures.result("p/skip", .skipped, reason: "not today"))
        var report = RunReport(results: results)
        report.interrupted = true
        let counts = "1 passed, 1 failed, 0 errored, 1 skipped, 0 xfailed, 0 xpassed, 3 interrupted"
        let console = ConsoleReporter(live: false, color: false, verbosity: .normal) { _ in }.finalText(report, exitCode: 130)
        XCTAssertTrue(console.contains("6 cases: " + counts + " in "), console)
        let markdown = MarkdownReport.render(report)
        XCTAssertTrue(markdown.contains("**6 cases**: " + counts + " · "), markdown)
    }

    /// The HTML header's outcome buttons said "3 skipped" for the same run, and filtering by
    /// skipped listed the interrupted cases: they get their own button and filter value.
    func testTheHTMLCountsAndFiltersKeepInterruptedCasesApart() {
        var results = [ReportFixtures.result("p/ok", .passed), ReportFixtures.result("p/skip", .skipped, reason: "not today")]
        results.append(ReportFixtures.result("p/cut", .errored, failure: Failure(.interrupted, "interrupted")))
        results.append(ReportFixtures.result("p/later", .skipped, reason: "interrupted"))
        var report = RunReport(results: results)
        report.interrupted = true
        let html = HTMLReport.render(report)
        XCTAssertTrue(html.contains(#"data-filter-outcome="skipped">1 skipped<"#), html)
        XCTAssertTrue(html.contains(#"data-filter-outcome="errored">0 errored<"#), html)
        XCTAssertTrue(html.contains(#"data-filter-outcome="interrupted">2 interrupted<"#), html)
        XCTAssertEqual(html.components(separatedBy: #"<tr data-outcome="interrupted""#).count - 1, 2)
        XCTAssertTrue(html.contains(#"<option value="interrupted">"#), html)
        // A run that was not interrupted has no such button.
        XCTAssertFalse(HTMLReport.render(RunReport(results: [ReportFixtures.result("p/ok", .passed)])).contains(">0 interrupted<"))
    }

    // MARK: masking never rewrites what merely looks like the start of a secret (#17 item 8)

    /// The end-of-text rule (a cut without a mark) masked any text ending in four letters a secret
    /// starts with: with a token `bearerTOKEN…` the case id `m/bearer` became `m/***` in every
    /// report, and a username `admin` vanished when the password started with `admin`.
    func testShortWordsThatStartASecretAreNotMasked() {
        let masker = SecretMasker()
        masker.add("bearerTOKENabcdefghijklmnopqrstuv0123")
        masker.add("admin-pass-2024")
        XCTAssertEqual(masker.mask("m/bearer"), "m/bearer")
        XCTAssertEqual(masker.mask("role admin"), "role admin")
        XCTAssertEqual(masker.mask("role admin-p"), "role admin-p")
        // A start long enough to help a guess is still hidden, at a cut and at the end alike.
        XCTAssertEqual(masker.mask("token bearerTOK"), "token ***")
        XCTAssertEqual(masker.mask("token bear… (600 bytes)"), "token ***… (600 bytes)")
        XCTAssertEqual(masker.mask("echo bearerTOKENabcdefghijklmnopqrstuv0123!"), "echo ***!")
    }

    /// `OPS_PASSWORD=e` used by a var too made the warning say "2 secret values are shorter than
    /// 4 characters": one value, registered twice.
    func testTheShortSecretWarningCountsDistinctValues() {
        let masker = SecretMasker()
        masker.add("e")
        masker.add("e")
        masker.add("ab")
        XCTAssertEqual(masker.tooShortToMask, 2)
        XCTAssertTrue(masker.tooShortWarning?.hasPrefix("warning: 2 secret values are shorter") == true, masker.tooShortWarning ?? "nil")
    }

    /// Lint excerpts hid `password:` and `secret_default:` values, but a `header` profile's
    /// `value:` and headers the masker already treats as credentials (`Api-Key`, `X-Auth-Token`)
    /// were printed as written.
    func testLintExcerptsHideEveryCredentialHeaderValue() {
        let text = """
        auth:
          h: {header: {name: X-Tenant-Key, value: TenantKeyLiteral4242, oops: 1}}
          k:
            header:
              name: Api-Key
              value: "BlockStyleLiteral777"
        headers: {X-Auth-Token: AuthTokenLiteral5151, Api-Key: ApiKeyLiteral6262, X-Trace: visible-trace}
        """
        let renderer = DiagnosticRenderer(sources: ["rehearse.yaml": Array(text.utf8)])
        var shown = ""
        for line in [2, 6, 7] {
            shown += renderer.text(Diagnostic(.unknownKey, .error, "something here",
                                              at: SourceLocation(file: "rehearse.yaml", position: SourcePosition(line: line, column: 3))))
        }
        for secret in ["TenantKeyLiteral4242", "BlockStyleLiteral777", "AuthTokenLiteral5151", "ApiKeyLiteral6262"] {
            XCTAssertFalse(shown.contains(secret), shown)
        }
        XCTAssertTrue(shown.contains("name: X-Tenant-Key") && shown.contains("X-Trace: visible-trace"), shown)
    }

    // MARK: x- keys mean the same to lint and to the schema (#11 item 5)

    func testExtensionKeysInMatchersStepsAndCapturesAgreeBetweenLintAndSchema() throws {
        try write("rehearse.yaml", "version: 1\nvars: {base_url: \"http://api.test\", ws_url: \"ws://api.test/ws\"}\n")
        let planText = """
        cases:
          - id: a
            request: GET {{ base_url }}/items
            expect:
              status: 200
              json:
                $.items[*].id: {contains: 7, x-note: why}
            capture:
              c: {body: 'id', x-note: why}
          - id: w
            websocket:
              url: "{{ ws_url }}"
              steps:
                - send: {text: hi, x-note: why}
                - receive: {text: hi}
                  x-note: why
        """
        try write("p.yaml", planText)
        let lint = Lint.run(paths: [dir], strict: true)
        XCTAssertEqual(lint.diagnostics.map(\.message), [])
        let node = try XCTUnwrap(YAMLLoader.load(Array(planText.utf8), diagnostics: DiagnosticBag(file: "p.yaml")))
        XCTAssertEqual(try JSONSchemaValidator(schema: RehearseSchemas.plan).validate(node.json).map(\.description), [])
        // Still exactly one of send, receive or close, and one of body or header.
        let two = planText.replacingOccurrences(of: "- receive: {text: hi}\n          x-note: why", with: "- {receive: {text: hi}, close: 1000}")
            .replacingOccurrences(of: "{body: 'id', x-note: why}", with: "{body: 'id', header: X-Id}")
        let twoNode = try XCTUnwrap(YAMLLoader.load(Array(two.utf8), diagnostics: DiagnosticBag(file: "p.yaml")))
        let violations = try JSONSchemaValidator(schema: RehearseSchemas.plan).validate(twoNode.json).map(\.instancePath)
        XCTAssertTrue(violations.contains("/cases/1/websocket/steps/1"), "\(violations)")
        XCTAssertTrue(violations.contains("/cases/0/capture/c"), "\(violations)")
    }

    // MARK: a byte that is not UTF-8 is reported where it is (#17 item 14)

    /// A Latin-1 `é` was reported at the byte after it, as "invalid trailing UTF-8 octet (byte 0x20)":
    /// the space that follows, not the problem.
    func testALatin1LetterIsReportedAtItselfWithItsByte() throws {
        let text = Array("cases:\n  - id: a\n    name: caf".utf8) + [0xE9] + Array(" au lait\n    request: GET http://x/\n".utf8)
        let (_, d) = SuiteLoader.parsePlan(text, id: "p", path: "p.yaml")
        let e = try XCTUnwrap(d.first)
        XCTAssertEqual(e.code, .yamlSyntax)
        XCTAssertEqual(e.location.position, SourcePosition(line: 3, column: 14))
        XCTAssertTrue(e.message.contains("0xE9"), e.message)
        XCTAssertEqual(e.hint, "the file must be UTF-8 text")
    }

    // MARK: text that only looks equal (#19: Unicode scalars)

    /// `equals: "ä"` against "a\u0308" rightly failed, but said `expected "ä", found "ä"`: the
    /// message has to show the difference it is about.
    func testTextThatOnlyLooksEqualShowsItsScalars() throws {
        let evaluator = MatcherEvaluator(renderer: JSONPathConformanceTests.renderer)
        let want = Matcher.equals(.string(Template(literal: "\u{E4}")))
        let message = try XCTUnwrap(try evaluator.check(want, .string("a\u{308}")))
        XCTAssertTrue(message.contains("U+00E4") && message.contains("U+0061 U+0308"), message)
        XCTAssertEqual(try evaluator.check(want, .string("b")), #"expected "ä", found "b""#)
    }

    // MARK: a missed gate never reads as met (#11: one meaning per number)

    /// 11 of 12 against a 91.7% gate printed "91.7% < 91.7%": both numbers rounded alike, the
    /// exact rate (91.67%) below the gate. The counts say why.
    func testAGateMissedByLessThanTheRoundingShowsTheCounts() {
        let results = (0..<11).map { ReportFixtures.result("p/ok\($0)", .passed) } + [ReportFixtures.result("p/bad", .failed)]
        var report = RunReport(results: results)
        report.gates = [Gate(priority: .normal, percent: 91.7)]
        let gate = report.gateResults[0]
        XCTAssertFalse(gate.passed)
        XCTAssertEqual(gate.summary, "normal: 91.7% (11 of 12) < 91.7%")
        report.gates = [Gate(priority: .normal, percent: 95)]
        XCTAssertEqual(report.gateResults[0].summary, "normal: 91.7% < 95%")
    }
}
