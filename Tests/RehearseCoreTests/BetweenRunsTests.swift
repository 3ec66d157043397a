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

/// Spec §11 without a network: flaky cases in every format, failure groups, curl commands,
/// the `--rerun-failed` selection and the diff of two crafted reports.
final class BetweenRunsTests: XCTestCase {
    // MARK: flaky

    static let flakyPlans = ["p": """
    cases:
      - {id: recovers, request: "GET {{ base_url }}/flaky", expect: {status: 200}}
      - id: polls
        request: "GET {{ base_url }}/job"
        retry: {attempts: 5, interval: 10ms, until: {json: {$.state: ready}}}
        expect: {status: 200}
      - {id: steady, request: "GET {{ base_url }}/ok", expect: {status: 200}}
      - {id: broken, request: "GET {{ base_url }}/broken", expect: {status: 200}}
      - {id: reconnects, request: "GET {{ base_url }}/refused-once", expect: {status: 200}}
    """]

    static func flakyTransport() -> FakeTransport {
        FakeTransport { request, seen throws(TransportError) in
            if request.url.hasSuffix("/flaky") { return FakeTransport.json(seen == 1 ? 503 : 200, "{}") }
            if request.url.hasSuffix("/job") { return FakeTransport.json(200, seen < 3 ? #"{"state":"pending"}"# : #"{"state":"ready"}"#) }
            if request.url.hasSuffix("/broken") { return FakeTransport.json(500, "{}") }
            if request.url.hasSuffix("/refused-once"), seen == 1 { throw TransportError(.connect, "connection refused (api.test:80)") }
            return FakeTransport.json(200, "{}")
        }
    }

    func flakyRun() async throws -> RunReport {
        try await EngineFixtures.run(try EngineFixtures.graph(Self.flakyPlans), transport: Self.flakyTransport()).0
    }

    func testARetryThatRecoversIsFlakyAndAPollIsNot() async throws {
        let report = try await flakyRun()
        let recovers = try XCTUnwrap(report.result("recovers"))
        XCTAssertEqual(recovers.outcome, .passed)
        XCTAssertEqual(recovers.attempts, 2)
        XCTAssertEqual(recovers.failedAttempts, [FailedAttempt(number: 1, at: .zero, cause: "status 503")])
        XCTAssertTrue(recovers.isFlaky)
        let polls = try XCTUnwrap(report.result("polls"))
        XCTAssertEqual(polls.outcome, .passed)
        XCTAssertEqual(polls.attempts, 3, "polled twice before it was ready")
        XCTAssertEqual(polls.failedAttempts, [], "a poll that is not settled yet is no failure")
        XCTAssertFalse(polls.isFlaky)
        XCTAssertFalse(try XCTUnwrap(report.result("steady")).isFlaky)
        // 500 is not in the retry policy: one attempt, failed, and not flaky.
        XCTAssertFalse(try XCTUnwrap(report.result("broken")).isFlaky)
        // A transport failure that was retried counts the same, with its kind and message.
        XCTAssertEqual(report.result("reconnects")?.failedAttempts.map(\.cause), ["connect: connection refused (api.test:80)"])
        XCTAssertEqual(report.flakyResults.map(\.caseID), ["recovers", "reconnects"])
    }

    func testAFlakyCaseIsFlakyInEveryReport() async throws {
        let report = try await flakyRun()
        let masker = SecretMasker()
        // Console: the summary line counts it, the case line and a section name the failed attempt.
        let console = ConsoleReporter(live: false, color: false) { _ in }
        let text = console.finalText(report, exitCode: report.exitCode)
        XCTAssertTrue(text.contains("5 cases: 4 passed, 1 failed, 0 errored, 0 skipped, 0 xfailed, 0 xpassed (2 flaky)"), text)
        XCTAssertTrue(text.contains("Flaky (passed only after a retry)\n  p/recovers\n    attempt 1 (+0ms): status 503\n"), text)
        XCTAssertTrue(console.caseLine(try XCTUnwrap(report.result("recovers"))).contains("flaky"))
        XCTAssertFalse(console.caseLine(try XCTUnwrap(report.result("polls"))).contains("flaky"))
        // JSON: the flag, each failed attempt with cause and time, the count; read back the same.
        let json = JSONReport.document(report, masker: masker)
        guard case .array(let results)? = json["results"] else { return XCTFail("no results") }
        let recovers = try XCTUnwrap(results.first { $0["case"] == "recovers" })
        XCTAssertEqual(recovers["flaky"], .bool(true))
        XCTAssertEqual(recovers["failed_attempts"], [["attempt": 1, "at_ms": 0, "cause": "status 503"]])
        XCTAssertNil(results.first { $0["case"] == "polls" }?["flaky"])
        XCTAssertEqual(json["flaky"], 2)
        let back = try JSONReport.decode(ReportWriter.render(.json, report, masker: masker))
        XCTAssertEqual(back.result("recovers")?.failedAttempts, [FailedAttempt(number: 1, at: .zero, cause: "status 503")])
        XCTAssertEqual(back.flakyResults.map(\.caseID), ["recovers", "reconnects"])
        // JUnit: a property.
        let xml = XMLRecorder.parse(JUnitReport.render(report))
        XCTAssertNil(xml.error)
        let flagged = xml.all("property").filter { $0.attributes["name"] == "flaky" }
        XCTAssertEqual(flagged.map { $0.attributes["value"] }, ["true", "true"])
        XCTAssertTrue(xml.all("property").contains { $0.attributes["name"] == "failed_attempts" && $0.attributes["value"] == "attempt 1 (+0ms): status 503" })
        // Markdown: the counts line and a section with the cause.
        let md = MarkdownReport.render(report)
        XCTAssertTrue(md.contains("0 xpassed (2 flaky)"), md)
        XCTAssertTrue(md.contains("### Flaky (2)"), md)
        XCTAssertTrue(md.contains("| `p/recovers` | `attempt 1 (+0ms): status 503` |"), md)
        // HTML: the row is marked, and the outcome filter and a count button pick it.
        let html = HTMLReport.render(report)
        XCTAssertEqual(html.components(separatedBy: "data-flaky=\"true\"").count - 1, 2)
        XCTAssertTrue(html.contains("<option value=\"flaky\">flaky</option>"))
        XCTAssertTrue(html.contains("data-filter-outcome=\"flaky\">2 flaky</button>"))
        XCTAssertTrue(html.contains("r.getAttribute('data-flaky') === 'true'"), "the script filters on it")
    }

    // MARK: failure groups

    /// The seed's "remaining issues": every valid-token case refused, and one 404 on `POST /api/chat`.
    static func seedStory(refused count: Int = 20) -> RunReport {
        let refused = Failure(.assertion, "status: expected 200, got 403")
        var results = (1...count).map { i in
            ReportFixtures.result(["high/threads", "critical/auth", "normal/agent"][i % 3] + "/case-\(i)", .failed,
                                  auth: "staging-jwt", status: 403, failure: refused)
        }
        var chat = ReportFixtures.result("high/chat/send", .failed, auth: "staging-jwt", status: 404,
                                         failure: Failure(.assertion, "status: expected 200, got 404"))
        chat.exchange?.requestLine = "POST https://api.staging.example.com/api/chat"
        results.insert(chat, at: min(5, results.count))
        results.append(ReportFixtures.result("critical/health/health", .passed, status: 200))
        return RunReport(results: results, environment: "staging", seed: 1)
    }

    func testTheSeedStoryIsTwoGroupsWithTwoRecommendations() throws {
        let report = Self.seedStory()
        let groups = FailureGroups.of(report)
        XCTAssertEqual(groups.map(\.line), [
            "20 cases: 403 with valid `staging-jwt` credentials: run `rehearse auth --probe`",
            "`high/chat/send`: 404 on `POST /api/chat`: check the URL path and the ids it uses",
        ])
        let md = MarkdownReport.render(report)
        XCTAssertTrue(md.contains("### Failures by cause\n\n- 20 cases: 403 with valid `staging-jwt` credentials: run `rehearse auth --probe`\n"), md)
        XCTAssertTrue(md.contains("- `high/chat/send`: 404 on `POST /api/chat`: check the URL path and the ids it uses\n"), md)
        let html = HTMLReport.render(report)
        XCTAssertTrue(html.contains("<li>20 cases: 403 with valid <code>staging-jwt</code> credentials: run <code>rehearse auth --probe</code>"), html)
        let text = ConsoleReporter(live: false, color: false) { _ in }.finalText(report, exitCode: 1)
        XCTAssertTrue(text.contains("Failures by cause\n  - 20 cases: 403 with valid `staging-jwt` credentials: run `rehearse auth --probe`\n  - `high/chat/send`: 404 on `POST /api/chat`"), text)
        let json = JSONReport.document(report, masker: SecretMasker())
        guard case .array(let stored)? = json["failure_groups"] else { return XCTFail("no failure_groups") }
        XCTAssertEqual(stored.map { $0["count"] }, [20, 1])
        XCTAssertEqual(stored[0]["auth"], "staging-jwt")
        XCTAssertEqual(stored[1]["method"], "POST")
        XCTAssertEqual(stored[1]["path"], "/api/chat")
        XCTAssertEqual(stored[1]["cases"], ["high/chat/send"])
        // The whole report, with fewer refused cases to read.
        Golden.check(MarkdownReport.render(Self.seedStory(refused: 4)), against: ReportFixtures.directory + "/seed-story.md")
    }

    func testIDsInPathsAndValuesInMessagesAreFolded() {
        XCTAssertEqual(FailureGroups.pathPattern("/api/threads/th_4f2a9c01/messages/17"), "/api/threads/{id}/messages/{id}")
        XCTAssertEqual(FailureGroups.pathPattern("/users/3f2504e0-4f89-11d3-9a0c-0305e82c3301"), "/users/{id}")
        XCTAssertEqual(FailureGroups.pathPattern("/blobs/deadbeef42"), "/blobs/{id}")
        XCTAssertEqual(FailureGroups.pathPattern("/api/v2/users/me"), "/api/v2/users/me")
        XCTAssertEqual(FailureGroups.messageShape(#"$.title: expected "a", found null"#), FailureGroups.messageShape(#"$.title: expected "b c", found null"#))
        XCTAssertEqual(FailureGroups.messageShape("status: expected 201, got 500"), "status: expected {n}, got {n}")
        // Two 500s on one endpoint with different ids: one group, one next step.
        func failed(_ id: String, _ url: String) -> CaseResult {
            var r = ReportFixtures.result(id, .failed, status: 500, failure: Failure(.assertion, "status: expected 200, got 500"))
            r.exchange?.requestLine = "GET " + url
            return r
        }
        let groups = FailureGroups.of(RunReport(results: [
            failed("p/a", "http://h/api/threads/th_a1b2c3d4?x=1"), failed("p/b", "http://h/api/threads/th_99ffee00"),
            ReportFixtures.result("p/c", .errored, failure: Failure(.transport, "connection refused (h:443)")),
        ]))
        XCTAssertEqual(groups.map(\.line), [
            "2 cases: 500 on `GET /api/threads/{id}`: the server failed: look in its logs for this request",
            "`p/c`: `connection refused (h:443)`: is base_url right for this environment?",
        ])
        // Cases that all say the same words are told in those words, not in their shape.
        let refused = FailureGroups.of(RunReport(results: ["p/x", "p/y"].map {
            ReportFixtures.result($0, .errored, failure: Failure(.transport, "connection refused (127.0.0.1:8080)"))
        }))
        XCTAssertEqual(refused.map(\.line), ["2 cases: `connection refused (127.0.0.1:8080)`: is base_url right for this environment?"])
    }

    // MARK: curl

    func testCurlQuotesEverythingAndNeverShowsACredential() throws {
        var r = ReportFixtures.result("p/post", .failed, auth: "staging-jwt", status: 422, failure: Failure(.assertion, "status"))
        r.exchange = ExchangeRecord(requestLine: "POST http://h:8080/api/chat?q=a&b=c",
                                    requestHeaders: [("Content-Type", "application/json"), ("Authorization", "Bearer ***"),
                                                     ("Cookie", "session=***; theme=***"), ("X-API-Key", "***"), ("X-Note", "it's $HOME")],
                                    status: 422, responseHeaders: [], requestBody: #"{"message":"it's me"}"#)
        let curl = try XCTUnwrap(CurlCommand.of(r))
        XCTAssertEqual(curl.command, """
            curl 'http://h:8080/api/chat?q=a&b=c' \\
              -X POST \\
              -H 'Content-Type: application/json' \\
              -H "Authorization: Bearer $REHEARSE_TOKEN" \\
              -H "Cookie: session=$REHEARSE_COOKIE_SESSION; theme=$REHEARSE_COOKIE_THEME" \\
              -H "X-API-Key: $REHEARSE_X_API_KEY" \\
              -H 'X-Note: it'\\''s $HOME' \\
              --data-raw '{"message":"it'\\''s me"}'
            """)
        XCTAssertEqual(curl.notes, ["set $REHEARSE_TOKEN, $REHEARSE_COOKIE_SESSION, $REHEARSE_COOKIE_THEME, $REHEARSE_X_API_KEY to the credential profile `staging-jwt` makes (`rehearse auth --profile staging-jwt` shows how)"])
        XCTAssertFalse(curl.text.contains("***"))
        XCTAssertFalse(curl.command.contains(" -k"), "plain http, and TLS was verified")
        r.exchange?.requestLine = "GET https://staging.test/x"
        XCTAssertTrue(try XCTUnwrap(CurlCommand.of(r, insecure: true)).command.hasPrefix("curl https://staging.test/x \\\n  -k \\\n"),
                      "a run with --insecure reproduces without verifying, like the run")
        // A secret the masker hid elsewhere stays hidden, and the reader is told.
        r.exchange?.requestLine = "GET http://h/x?token=***"
        r.exchange?.requestBody = nil
        XCTAssertTrue(try XCTUnwrap(CurlCommand.of(r)).notes.contains("*** marks a masked secret: put the value back before sending"))
    }

    func testCurlOfAWebSocketCaseIsItsHandshake() throws {
        var r = ReportFixtures.result("p/ws", .failed, status: 403, failure: Failure(.assertion, "status: expected 101, got 403"))
        r.exchange = ExchangeRecord(requestLine: "GET wss://h/ws?agent=a (WebSocket upgrade)", requestHeaders: [("Sec-WebSocket-Protocol", "chat")],
                                    status: 403, responseHeaders: [], kind: .websocket)
        let curl = try XCTUnwrap(CurlCommand.of(r))
        XCTAssertTrue(curl.command.hasPrefix("curl 'https://h/ws?agent=a' \\\n  -i \\\n  -N \\\n  --http1.1 \\\n  -H 'Connection: Upgrade' \\\n  -H 'Upgrade: websocket'"), curl.command)
        XCTAssertTrue(curl.command.contains("-H 'Sec-WebSocket-Protocol: chat'"))
        XCTAssertEqual(curl.notes, ["the WebSocket handshake only: curl shows the server's answer to the upgrade"])
    }

    // MARK: --rerun-failed

    func testRerunSelectsFailuresAndWhatTheyNeedWithTheOtherFlags() throws {
        XCTAssertEqual(Selection.caseID(ofResult: "p/c[0]"), "p/c")
        XCTAssertEqual(Selection.caseID(ofResult: "dir/p/c[admin user]"), "dir/p/c")
        XCTAssertEqual(Selection.caseID(ofResult: "dir/p/c"), "dir/p/c")
        let report = RunReport(results: [
            ReportFixtures.result("p/a", .passed), ReportFixtures.result("p/b", .failed), ReportFixtures.result("p/c[1]", .errored),
            ReportFixtures.result("p/c[2]", .failed), ReportFixtures.result("p/d", .xpassed), ReportFixtures.result("p/e", .skipped),
            ReportFixtures.result("p/f", .xfailed),
        ])
        XCTAssertEqual(RerunFailed.resultIDs(in: report), ["p/b", "p/c[1]", "p/c[2]", "p/d"])
        let plans = ["p": """
        cases:
          - {id: a, request: "GET {{ base_url }}/a", expect: {status: 200}, capture: {x: $.x}}
          - {id: b, tags: [api], request: "GET {{ base_url }}/b/{{ a.x }}", expect: {status: 200}}
          - {id: c, request: "GET {{ base_url }}/c", expect: {status: 200}}
          - {id: d, request: "GET {{ base_url }}/d", expect: {status: 200}}
        """]
        func selected(_ s: Selection) throws -> [String] {
            let g = try EngineFixtures.graph(plans, options: CompileOptions(selection: s))
            return g.nodes.map(\.name)
        }
        XCTAssertEqual(try selected(Selection(ids: ["p/b", "p/c"])), ["p/a", "p/b", "p/c"], "b brings in a, whose capture it uses")
        XCTAssertEqual(try selected(Selection(tags: ["api"], ids: ["p/b", "p/c"])), ["p/a", "p/b"])
        XCTAssertEqual(try selected(Selection(filters: ["c"], ids: ["p/b", "p/c"])), ["p/c"])
    }

    func testRerunOfAnEachInstanceRunsThatInstanceOrTheRunTimeList() throws {
        let plans = ["p": """
        cases:
          - {id: list, request: "GET {{ base_url }}/list", expect: {status: 200}, capture: {ids: $.ids}}
          - {id: s, each: [{name: free}, {name: pro}, {name: team}], request: "GET {{ base_url }}/s/{{ item.name }}", expect: {status: 200}}
          - {id: r, each: "{{ list.ids }}", request: "GET {{ base_url }}/r/{{ item }}", expect: {status: 200}}
          - {id: other, request: "GET {{ base_url }}/o", expect: {status: 200}}
        """]
        func selected(_ ids: Set<String>) throws -> [String] {
            try EngineFixtures.graph(plans, options: CompileOptions(selection: Selection(ids: ids))).nodes.map(\.name)
        }
        // A static list: only the instance that failed runs again.
        XCTAssertEqual(try selected(["p/s[pro]"]), ["p/s[pro]"])
        // The case id (a report from before `each` was added) still runs every instance.
        XCTAssertEqual(try selected(["p/s"]), ["p/s[free]", "p/s[pro]", "p/s[team]"])
        // A list known only at run time: the case runs again, with what it needs.
        XCTAssertEqual(try selected(["p/r[3]"]), ["p/list", "p/r"])
    }

    // MARK: diff

    static func crafted() -> (base: RunReport, new: RunReport) {
        var flaky = ReportFixtures.result("p/d", .passed, priority: .high, tags: ["api"])
        flaky.failedAttempts = [FailedAttempt(number: 1, at: .zero, cause: "status 503")]
        let base = RunReport(results: [
            ReportFixtures.result("p/a", .passed, priority: .critical, tags: ["api"]),
            ReportFixtures.result("p/b", .failed, priority: .critical, tags: ["api"], status: 500, failure: Failure(.assertion, "status")),
            ReportFixtures.result("p/c", .failed, priority: .high, status: 404, failure: Failure(.assertion, "status")),
            ReportFixtures.result("p/d", .passed, priority: .high, tags: ["api"]),
            ReportFixtures.result("p/e", .passed, priority: .high),
        ])
        let new = RunReport(results: [
            ReportFixtures.result("p/a", .failed, priority: .critical, tags: ["api"], status: 503, failure: Failure(.assertion, "status")),
            ReportFixtures.result("p/b", .passed, priority: .critical, tags: ["api"]),
            ReportFixtures.result("p/c", .failed, priority: .high, status: 404, failure: Failure(.assertion, "status")),
            flaky,
            ReportFixtures.result("p/f", .passed, priority: .high),
        ])
        return (base, new)
    }

    func testDiffOfCraftedReports() throws {
        let (base, new) = Self.crafted()
        let d = RunDiff.compare(base, new)
        XCTAssertEqual(d.regressions.map(\.id), ["p/a"])
        XCTAssertEqual(d.regressions.first?.cause, "status 503")
        XCTAssertEqual(d.fixed.map(\.id), ["p/b"])
        XCTAssertEqual(d.stillFailing.map(\.id), ["p/c"])
        XCTAssertEqual(d.newlyFlaky.map(\.id), ["p/d"])
        XCTAssertEqual(d.newlyFlaky.first?.attempts, ["attempt 1 (+0ms): status 503"])
        XCTAssertEqual(d.added.map(\.id), ["p/f"])
        XCTAssertEqual(d.removed.map(\.id), ["p/e"])
        XCTAssertEqual(d.exitStatus, .failed)
        XCTAssertEqual(d.byPriority.map { "\($0.label) \(PassRate.text($0.before)) → \(PassRate.text($0.after)) \($0.change)" },
                       ["critical 50% → 50% ±0 pp", "high 66.7% → 66.7% ±0 pp"])
        XCTAssertEqual(PassRate.transition(from: PassRate(good: 0, ran: 46), to: PassRate(good: 41, ran: 46)), "0% → 89.1% (+89.1 pp)")
        XCTAssertEqual(PassRate.change(from: PassRate(good: 3, ran: 4), to: PassRate(good: 2, ran: 4)), "-25 pp")
        let text = d.text(base: "base.json", new: "new.json")
        XCTAssertTrue(text.contains("Regressions (1)\n  p/a  passed → failed  (status 503)\n"), text)
        XCTAssertTrue(text.hasSuffix("exit 1: 1 regression\n"), text)
        let md = d.markdown(base: "base.json", new: "new.json")
        XCTAssertTrue(md.hasPrefix("## ❌ Rehearse diff: 1 regression\n"), md)
        XCTAssertTrue(md.contains("| `p/b` | failed → passed |  |"), md)
        XCTAssertTrue(md.contains("| critical | 50% | 50% | ±0 pp |"), md)
        let json = d.json(base: "base.json", new: "new.json")
        XCTAssertEqual(json["regression"], .bool(true))
        XCTAssertEqual(json["fixed"], [["id": "p/b", "before": "failed", "after": "passed"]])
        let html = d.html(base: "base.json", new: "new.json")
        XCTAssertTrue(html.contains("<h2>Regressions (1)</h2>"))
        // The other way round: what was fixed is now the regression, and no flaky case is new.
        let back = RunDiff.compare(new, base)
        XCTAssertEqual(back.regressions.map(\.id), ["p/b"])
        XCTAssertEqual(back.fixed.map(\.id), ["p/a"])
        XCTAssertEqual(back.newlyFlaky.map(\.id), [])
        XCTAssertEqual(back.added.map(\.id), ["p/e"])
        XCTAssertEqual(back.removed.map(\.id), ["p/f"])
    }

    /// Sharded runs are compared through `rehearse merge`: the merged report, written and read
    /// back, diffs exactly like the unsharded one, flaky attempts included.
    func testDiffOfMergedShards() throws {
        let (base, new) = Self.crafted()
        func shards(_ r: RunReport) throws -> RunReport {
            var one = RunReport(results: r.results.filter { ["p/a", "p/b", "p/c"].contains($0.fullID) })
            var two = RunReport(results: r.results.filter { !["p/a", "p/b", "p/c"].contains($0.fullID) })
            // Different plans per shard, as `--shard` deals them.
            two.results = two.results.map { var c = $0; c.planID = "q"; return c }
            one.shard = Shard(index: 1, count: 2)
            two.shard = Shard(index: 2, count: 2)
            let written = try [one, two].map { try JSONReport.decode(ReportWriter.render(.json, $0, masker: SecretMasker())) }
            let merged = try ReportMerge.merge([("1.json", written[0]), ("2.json", written[1])]).report
            return try JSONReport.decode(ReportWriter.render(.json, merged, masker: SecretMasker()))
        }
        let d = RunDiff.compare(try shards(base), try shards(new))
        XCTAssertEqual(d.regressions.map(\.id), ["p/a"])
        XCTAssertEqual(d.fixed.map(\.id), ["p/b"])
        XCTAssertEqual(d.stillFailing.map(\.id), ["p/c"])
        XCTAssertEqual(d.newlyFlaky.map(\.id), ["q/d"])
        XCTAssertEqual(d.newlyFlaky.first?.attempts, ["attempt 1 (+0ms): status 503"])
        XCTAssertEqual(d.added.map(\.id), ["q/f"])
        XCTAssertEqual(d.removed.map(\.id), ["q/e"])
    }
}
