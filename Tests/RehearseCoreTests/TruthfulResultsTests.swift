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

/// Spec §7: a report never says "fine" when it is not, and every output agrees on each number.
final class TruthfulResultsTests: XCTestCase {
    private func run(passed: Int, failed: Int, skipped: Int = 0, priority: Priority = .high) -> RunReport {
        var results: [CaseResult] = []
        for i in 0..<passed { results.append(ReportFixtures.result("p/ok\(i)", .passed, priority: priority, tags: ["t"])) }
        for i in 0..<failed {
            results.append(ReportFixtures.result("p/bad\(i)", .failed, priority: priority, tags: ["t"], status: 500,
                                                 failure: Failure(.assertion, "status: expected 200, got 500")))
        }
        for i in 0..<skipped { results.append(ReportFixtures.result("p/skip\(i)", .skipped, priority: priority, reason: "skip")) }
        return RunReport(results: results)
    }

    private func render(_ report: RunReport) -> [ReportFormat: String] {
        Dictionary(uniqueKeysWithValues: ReportFormat.allCases.map { ($0, ReportWriter.render($0, report, masker: SecretMasker())) })
    }

    // MARK: One pass-rate formatter

    func testPassRateRoundsHalfUpToOneDecimal() throws {
        XCTAssertEqual(PassRate(good: 11, ran: 12)?.description, "91.7%")
        XCTAssertEqual(PassRate(good: 41, ran: 46)?.description, "89.1%")
        XCTAssertEqual(PassRate(good: 1, ran: 8)?.description, "12.5%")  // exactly half: up
        XCTAssertEqual(PassRate(good: 1, ran: 3)?.description, "33.3%")
        XCTAssertEqual(PassRate(good: 2, ran: 3)?.description, "66.7%")
        XCTAssertEqual(PassRate(good: 9, ran: 10)?.description, "90%")
        XCTAssertEqual(PassRate(good: 0, ran: 7)?.description, "0%")
        XCTAssertEqual(PassRate(good: 7, ran: 7)?.description, "100%")
        XCTAssertEqual(PassRate(good: 1999, ran: 2000)?.description, "100%")  // 99.95 rounds up
        XCTAssertNil(PassRate(good: 0, ran: 0))
        XCTAssertEqual(PassRate(good: 11, ran: 12)?.roundedRatio, 0.917)
    }

    func testElevenOfTwelveIsNinetyOnePointSevenInEveryReport() throws {
        let report = run(passed: 11, failed: 1)
        let outputs = render(report)
        for format in [ReportFormat.markdown, .html, .junit] {
            let text = try XCTUnwrap(outputs[format])
            XCTAssertTrue(text.contains("91.7%"), "\(format) lacks 91.7%")
            XCTAssertFalse(text.contains("91.6"), "\(format) truncates")
        }
        let console = ConsoleReporter(live: false, color: false) { _ in }.finalText(report, exitCode: report.exitCode)
        XCTAssertTrue(console.contains("91.7%"), console)
        XCTAssertFalse(console.contains("91.6"), console)
        let json = try JSONValue.parse(try XCTUnwrap(outputs[.json]))
        XCTAssertEqual(json["totals"]?["pass_rate"], 0.917)
        let junit = XMLRecorder.parse(try XCTUnwrap(outputs[.junit]))
        XCTAssertEqual(junit.elements.first { $0.name == "property" && $0.attributes["name"] == "pass_rate" }?.attributes["value"],
                       "91.7%")
    }

    // MARK: Nothing ran is not green

    func testHeadlineNeverSaysAllPassedWhenNothingRan() throws {
        let report = run(passed: 0, failed: 0, skipped: 5)
        let markdown = MarkdownReport.render(report)
        XCTAssertFalse(markdown.contains("all 5 cases passed"), markdown)
        XCTAssertTrue(markdown.hasPrefix("## ⚠️ Rehearse: no case ran (5 skipped)"), markdown)
        let html = HTMLReport.render(report)
        XCTAssertTrue(html.contains("<header class=\"none-ran\">"), html)
        XCTAssertFalse(html.contains("passed</h1>"))
    }

    func testHeadlineCountsSkipsApartFromPasses() {
        let report = run(passed: 3, failed: 0, skipped: 2)
        XCTAssertEqual(MarkdownReport.headline(report, bad: 0).text, "Rehearse: all 3 cases that ran passed (2 skipped)")
        XCTAssertEqual(MarkdownReport.headline(run(passed: 3, failed: 0), bad: 0).text, "Rehearse: all 3 cases passed")
    }

    func testErroredCaseIsNeverAllPassed() {
        var report = run(passed: 4, failed: 0)
        report.results.append(ReportFixtures.result("p/login-broken", .errored, priority: .high,
                                                    failure: Failure(.auth, "auth session failed: profile s: status 401")))
        XCTAssertEqual(report.exitCode, 1)
        XCTAssertEqual(MarkdownReport.headline(report, bad: 1).text, "Rehearse: 1 of 5 cases failed")
        let junit = XMLRecorder.parse(JUnitReport.render(report))
        XCTAssertEqual(junit.elements.first { $0.name == "testsuites" }?.attributes["errors"], "1")
    }

    func testGateOverAPriorityWhereNothingRanIsMissed() {
        var report = run(passed: 0, failed: 0, skipped: 5)
        report.gates = [Gate(priority: .high, percent: 100)]
        XCTAssertEqual(report.gateResults.map(\.passed), [false])
        XCTAssertEqual(report.gateResults.first?.summary, "high: no cases ran (gate 100%)")
        XCTAssertEqual(report.exitCode, 1)
        XCTAssertTrue(MarkdownReport.render(report).hasPrefix("## ❌ Rehearse: 1 gate missed (no case ran (5 skipped))"))
    }

    // MARK: Interrupted cases are counted apart

    func testInterruptedCasesAreNotFailuresInThePassRate() throws {
        var results: [CaseResult] = (0..<8).map { ReportFixtures.result("p/ok\($0)", .passed) }
        for i in 0..<4 {
            results.append(ReportFixtures.result("p/cut\(i)", .errored, failure: Failure(.interrupted, "interrupted")))
            results.append(ReportFixtures.result("p/later\(i)", .skipped, reason: "interrupted"))
        }
        var report = RunReport(results: results)
        report.interrupted = true
        let summary = RunSummary(report.results)
        XCTAssertEqual(summary.totals.interrupted, 8)
        XCTAssertEqual(summary.totals.failed, 0)
        XCTAssertEqual(summary.totals.skipped, 0)
        XCTAssertEqual(summary.totals.passRate?.description, "100%")
        let table = RunSummary.table("priority", summary.byPriority)
        XCTAssertTrue(table.contains("interrupted"), table)
        let markdown = MarkdownReport.render(report)
        XCTAssertTrue(markdown.contains("| priority | total | passed | failed | skipped | interrupted | pass rate |"), markdown)
        XCTAssertTrue(markdown.contains("| normal | 16 | 8 | 0 | 0 | 8 | 100% |"), markdown)
        let json = try JSONValue.parse(ReportWriter.render(.json, report, masker: SecretMasker()))
        XCTAssertEqual(json["totals"]?["pass_rate"], 1)
        XCTAssertEqual(json["totals"]?["interrupted"], 8)
    }

    // MARK: The run-wide credentials hint

    func testRefusedCredentialsHintIgnoresNegativeAuthCases() {
        var results = (0..<3).map {
            ReportFixtures.result("p/valid\($0)", .failed, auth: "staging", status: 403,
                                  failure: Failure(.assertion, "status: expected 200, got 403"))
        }
        // Negative-auth cases pass by being refused; they send no valid credentials.
        results += (0..<2).map { ReportFixtures.result("p/neg\($0)", .passed, status: 401) }
        // A case with valid credentials that expects the refusal (a user token on an admin route).
        results.append(ReportFixtures.result("p/not-admin", .passed, auth: "staging", status: 403))
        let hints = NextSteps.runHints(RunReport(results: results))
        XCTAssertTrue(hints.contains("403 on every protected case: run `rehearse auth --probe --profile staging`"), "\(hints)")
        // One protected case that got through: the credentials work.
        results.append(ReportFixtures.result("p/ok", .passed, auth: "staging", status: 200))
        XCTAssertFalse(NextSteps.runHints(RunReport(results: results)).contains { $0.contains("every protected case") })
    }
}

/// A run that would send nothing because the selection matched nothing is an error, not green.
final class EmptySelectionTests: XCTestCase {
    func testASelectionThatMatchesNothingIsAProblemButAnEmptyShardIsNot() throws {
        let plans = ["p": "auth: none\ncases:\n  - {id: a, tags: [smoke], request: \"GET {{ base_url }}/a\", expect: {status: 200}}"]
        XCTAssertNil(try EngineFixtures.graph(plans).emptyRunProblem)
        var options = CompileOptions()
        options.selection = Selection(tags: ["smoek"])
        let typo = try EngineFixtures.graph(plans, options: options)
        XCTAssertEqual(typo.cases.count, 0)
        XCTAssertTrue(typo.emptyRunProblem?.hasPrefix("no case matches the selection") == true)
        var shard = typo
        shard.shard = Shard(index: 2, count: 2)
        XCTAssertNil(shard.emptyRunProblem)
    }
}

/// `--dry-run` says which profile and mode each case would use, without showing a credential.
final class DryRunAuthTests: XCTestCase {
    func testEachCaseShowsItsProfileAndMode() async throws {
        let graph = try EngineFixtures.graph(["p": """
        cases:
          - {id: ok, auth: jwt, request: "GET {{ base_url }}/a", expect: {status: 200}}
          - {id: old, auth: {use: jwt, mode: expired}, request: "GET {{ base_url }}/b", expect: {status: 200}}
          - {id: bare, auth: {use: jwt, mode: missing}, request: "GET {{ base_url }}/c", expect: {status: 200}}
          - {id: open, auth: none, request: "GET {{ base_url }}/d", expect: {status: 200}}
        """])
        var options = RunOptions()
        options.seed = 1
        options.environment = ["JWT_SECRET": "a-very-secret-signing-key"]
        let context = try RunContext(graph: graph, options: options, transport: FakeTransport { _, _ in FakeTransport.json(200, "{}") },
                                     webSocket: nil, clock: FakeClock())
        let text = await DryRun.describe(context)
        XCTAssertTrue(text.contains("p/ok\n  GET http://api.test/a\n  Authorization: Bearer *** (jwt, valid)\n"), text)
        XCTAssertTrue(text.contains("Authorization: Bearer *** (jwt, expired)"), text)
        XCTAssertTrue(text.contains("p/bare\n  GET http://api.test/c\n\n"), text)
        XCTAssertTrue(text.contains("p/open\n  GET http://api.test/d\n\n"), text)
        XCTAssertFalse(text.contains("a-very-secret"), text)
        XCTAssertFalse(text.contains("eyJ"), "a token reached the output: \(text)")

        // Credentials that cannot be made are said, not silently left out.
        let noDefault = try EngineFixtures.graph(["p": "cases:\n  - {id: ok, auth: jwt, request: \"GET {{ base_url }}/a\", expect: {status: 200}}"],
                                                 suite: EngineFixtures.suite.replacingOccurrences(of: ", secret_default: dev-secret", with: ""))
        let broken = try RunContext(graph: noDefault, options: RunOptions(), transport: FakeTransport { _, _ in FakeTransport.json(200, "{}") },
                                    webSocket: nil, clock: FakeClock())
        let brokenText = await DryRun.describe(broken)
        XCTAssertTrue(brokenText.contains("p/ok\n  credentials cannot be made (jwt, valid): "), brokenText)
    }
}
