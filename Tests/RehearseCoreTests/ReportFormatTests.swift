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

/// JUnit, markdown and HTML reports of a fixed run: structure, escaping, hints, goldens.
final class ReportFormatTests: XCTestCase {
    // MARK: JUnit

    func testJUnitParsesBackWithTheRightCounts() throws {
        let report = try ReportFixtures.small()
        let xml = XMLRecorder.parse(JUnitReport.render(report))
        XCTAssertNil(xml.error, "the JUnit report must be well-formed XML")
        let root = try XCTUnwrap(xml.all("testsuites").first)
        XCTAssertEqual(root.attributes["tests"], "10")
        XCTAssertEqual(root.attributes["failures"], "3", "failed + xpassed")
        XCTAssertEqual(root.attributes["errors"], "2")
        XCTAssertEqual(root.attributes["skipped"], "2")
        XCTAssertEqual(root.attributes["time"], "1.480")
        let suites = xml.all("testsuite")
        XCTAssertEqual(suites.map { $0.attributes["name"] }, ["critical/health", "high/resilience", "high/threads", "low/docs",
                                                              "normal/legacy", "normal/performance"])
        XCTAssertEqual(suites.map { Int($0.attributes["tests"]!)! }.reduce(0, +), 10)
        let cases = xml.all("testcase")
        XCTAssertEqual(cases.count, 10)
        XCTAssertEqual(Set(cases.map { "\($0.attributes["classname"]!)/\($0.attributes["name"]!)" }), Set(report.results.map(\.fullID)))
        XCTAssertEqual(xml.all("failure").count, 3)
        XCTAssertEqual(xml.all("error").count, 2)
        XCTAssertEqual(xml.all("skipped").count, 2)
        // Per-case properties: priority, tags, attempts.
        let props = xml.all("property").filter { $0.path.last == "properties" && $0.path.dropLast().last == "testcase" }
        XCTAssertEqual(props.filter { $0.attributes["name"] == "priority" }.count, 10)
        XCTAssertTrue(props.contains { $0.attributes["name"] == "tags" && $0.attributes["value"] == "api,threads" })
        XCTAssertTrue(props.contains { $0.attributes["name"] == "attempts" && $0.attributes["value"] == "80" })
        let timeout = try XCTUnwrap(xml.all("error").first { $0.attributes["type"] == "timeout" })
        XCTAssertEqual(timeout.attributes["message"], "no response within 500ms (api.staging.example.com:443)")
    }

    func testJUnitEscapesMarkupCharactersEverywhere() throws {
        let report = try ReportFixtures.small()
        let text = JUnitReport.render(report)
        XCTAssertFalse(text.contains("a<b"), "a raw < in a message")
        XCTAssertTrue(text.contains("&quot;a&lt;b &amp; c&quot;"))
        let xml = XMLRecorder.parse(text)
        XCTAssertNil(xml.error)
        // Parsed back, the message is exactly what the case reported.
        let failure = try XCTUnwrap(xml.all("failure").first { $0.text.contains("$.title") })
        XCTAssertTrue(failure.text.contains(#"$.title: expected "a<b & c", found null"#))
        XCTAssertTrue(failure.text.contains(#"<scope> & \"threads:write\" missing"#))
        let skipped = try XCTUnwrap(xml.all("skipped").first { $0.attributes["message"]?.contains("docs") == true })
        XCTAssertEqual(skipped.attributes["message"], #"waiting for <docs> & "v2" | later"#)
    }

    func testXMLEscapeReplacesCharactersXMLCannotHold() {
        XCTAssertEqual(XMLEscape.escape("a\u{1}b\u{1B}[0m", attribute: false), "a\u{FFFD}b\u{FFFD}[0m")
        XCTAssertEqual(XMLEscape.escape("x\ny\t'z'", attribute: true), "x&#10;y&#9;&#39;z&#39;")
        let xml = XMLRecorder.parse("<a m=\"\(XMLEscape.escape("bell\u{7} <&\"'>\nnext", attribute: true))\"/>")
        XCTAssertNil(xml.error)
        XCTAssertEqual(xml.elements.first?.attributes["m"], "bell\u{FFFD} <&\"'>\nnext")
    }

    func testJUnitGolden() throws {
        Golden.check(JUnitReport.render(try ReportFixtures.small()), against: ReportFixtures.directory + "/small.junit.xml")
    }

    // MARK: Markdown

    func testMarkdownTablesByPriorityAndTag() throws {
        let md = MarkdownReport.render(try ReportFixtures.small())
        XCTAssertTrue(md.hasPrefix("## ❌ Rehearse: 5 of 10 cases failed\n"), md)
        XCTAssertTrue(md.contains("| priority | total | passed | failed | skipped | pass rate |\n|:--|--:|--:|--:|--:|--:|\n"))
        // high: 1 xfailed of 4 that ran (one skipped) = 25%.
        XCTAssertTrue(md.contains("| high | 5 | 1 | 3 | 1 | 25% |"), md)
        XCTAssertTrue(md.contains("| critical | 1 | 1 | 0 | 0 | 100% |"))
        XCTAssertTrue(md.contains("| smoke | 2 | 2 | 0 | 0 | 100% |"))
        XCTAssertTrue(md.contains("| docs | 2 | 0 | 1 | 1 | 0% |"))
        // A `|` inside a reason must not split the cell.
        XCTAssertTrue(md.contains(#"waiting for &lt;docs> & "v2" \| later"#), md)
    }

    func testMarkdownSuggestsNextSteps() throws {
        let md = MarkdownReport.render(try ReportFixtures.small())
        XCTAssertTrue(md.contains("- 403 on every protected case: run `rehearse auth --probe --profile jwt`"), md)
        XCTAssertTrue(md.contains("raise `timeout` or check the endpoint"))
        XCTAssertTrue(md.contains("is base_url right for this environment?"))
        XCTAssertTrue(md.contains("it passes now: remove `xfail` from the case"))
        // Messages sit in code spans: the backticks inside get a longer fence.
        XCTAssertTrue(md.contains("``expected to fail (DOC-7 spec is stale) but passed: remove `xfail` if it is fixed``"), md)
    }

    func testAuthHintOnlyWhenEveryProtectedCaseIsRefused() {
        let refused = Failure(.assertion, "status: expected 200, got 403")
        var report = RunReport(results: [
            ReportFixtures.result("p/a", .failed, auth: "jwt", status: 403, failure: refused),
            ReportFixtures.result("p/b", .failed, auth: "jwt", status: 401, failure: refused),
            ReportFixtures.result("p/public", .passed, status: 200),
        ])
        XCTAssertEqual(NextSteps.runHints(report), ["401/403 on every protected case: run `rehearse auth --probe --profile jwt`"])
        report.results.append(ReportFixtures.result("p/c", .passed, auth: "jwt", status: 200))
        XCTAssertEqual(NextSteps.runHints(report), [], "one protected case passed: the credentials work")
    }

    func testNextStepForEachKindOfFailure() {
        func hint(_ f: Failure, status: Int? = nil, auth: String? = nil) -> String? {
            NextSteps.suggestion(for: ReportFixtures.result("p/c", .errored, auth: auth, status: status, failure: f))
        }
        XCTAssertEqual(hint(Failure(.timeout, "no response within 2s (h:443)")), "raise `timeout` or check the endpoint")
        XCTAssertEqual(hint(Failure(.transport, "connection refused (h:9)")), "is base_url right for this environment?")
        XCTAssertEqual(hint(Failure(.transport, "could not resolve host (nowhere.test:443)")), "is base_url right for this environment?")
        XCTAssertEqual(hint(Failure(.assertion, "status"), status: 403, auth: "jwt"), "the server refused the credentials: run `rehearse auth --probe --profile jwt`")
        XCTAssertEqual(hint(Failure(.assertion, "status"), status: 503), "the server failed: look in its logs for this request")
        XCTAssertEqual(hint(Failure(.interrupted, "interrupted")), "the run was interrupted: run again")
    }

    func testMarkdownGolden() throws {
        Golden.check(MarkdownReport.render(try ReportFixtures.gated()), against: ReportFixtures.directory + "/small.md")
    }

    // MARK: HTML

    func testHTMLIsSelfContainedAndListsEveryCase() throws {
        let report = try ReportFixtures.gated()
        let html = HTMLReport.render(report)
        for needle in ["src=\"http", "href=\"http", "src='http", "href='http", "url(http", "@import", "<link"] {
            XCTAssertFalse(html.contains(needle), "external asset: \(needle)")
        }
        XCTAssertFalse(html.lowercased().contains("<script src"))
        for r in report.results { XCTAssertTrue(html.contains(HTMLReport.e(r.fullID)), "missing \(r.fullID)") }
        XCTAssertEqual(html.components(separatedBy: "<tr data-outcome=").count - 1, report.results.count)
        XCTAssertTrue(html.contains("<svg class=\"chart\""))
        XCTAssertEqual(html.components(separatedBy: "<svg").count - 1, 2, "one chart by priority, one by tag")
        for id in ["f-outcome", "f-priority", "f-tag", "f-text"] { XCTAssertTrue(html.contains("id=\"\(id)\"")) }
        XCTAssertTrue(html.contains("✗ gate high: 25% &lt; 90%"), "gates are shown")
        XCTAssertTrue(html.contains("<line class=\"gate\""), "gates are marked on the chart")
        XCTAssertTrue(html.contains("403 on every protected case: run <code>rehearse auth --probe --profile jwt</code>"))
        // Report data is escaped; the only raw < in a message would be a broken page.
        XCTAssertFalse(html.contains("a<b"))
        XCTAssertFalse(html.contains("<scope>"))
        XCTAssertEqual(html.components(separatedBy: "<script>").count - 1, 1)
        // Left in the temp directory for a look in a browser (`chromium --headless --screenshot`).
        try? ReportWriter.write(html, to: NSTemporaryDirectory() + "/rehearse-report-test.html")
    }

    func testHTMLEscapesScriptInjectionFromResponses() {
        var r = ReportFixtures.result("p/evil", .failed, status: 500, failure: Failure(.assertion, "</script><script>alert(1)</script>"))
        r.exchange?.bodyExcerpt = "<img src=\"http://evil.test/x.png\" onerror=alert(1)>"
        r.tags = ["a\"b"]
        let html = HTMLReport.render(RunReport(results: [r]))
        XCTAssertFalse(html.contains("<script>alert"))
        XCTAssertFalse(html.contains("src=\"http"))
        XCTAssertTrue(html.contains("&lt;img src=&quot;http://evil.test/x.png&quot;"))
        XCTAssertTrue(html.contains("data-tags=\"|a&quot;b|\""))
    }
}
