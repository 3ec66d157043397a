import DemoServer
import Foundation
import Synchronization
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

/// Spec §11 end to end: real runs through `Pipeline.run` against the demo server, before and
/// after a "backend fix" (the server verifying tokens with the secret the plans sign with).
final class BetweenRunsDemoTests: XCTestCase {
    static let suite = """
    version: 1
    default_env: demo
    environments:
      demo: {vars: {base_url: "http://127.0.0.1:1"}}
    defaults:
      retry: {attempts: 3, backoff: {initial: 10ms, max: 20ms, factor: 2, jitter: false}, on: [connect, 503]}
    auth:
      staging-jwt:
        jwt:
          algorithm: HS256
          secret_env: [JWT_SECRET_STAGING]
          secret_default: dev-only-secret
          claims: {sub: e2e, permissions: [read, write]}
          ttl: 15m
    """

    static let plan = """
    cases:
      - {id: health, request: "GET {{ base_url }}/health", expect: {status: 200}}
      - {id: me, auth: staging-jwt, request: "GET {{ base_url }}/api/me", expect: {status: 200}}
      - id: chat
        auth: staging-jwt
        request: {method: POST, url: "{{ base_url }}/api/chat", json: {message: "it's me"}}
        expect: {status: 200}
      - {id: threads, auth: staging-jwt, request: "GET {{ base_url }}/api/threads", expect: {status: 200}}
      - {id: recovers, request: "GET {{ base_url }}/flaky/{{ run }}-recovers?fail=1", expect: {status: 200}}
      - id: echo
        request:
          method: POST
          url: "{{ base_url }}/echo/x?q=a&r=1"
          headers: {X-Note: "it's \\"quoted\\" $HOME"}
          json: {text: "it's", n: 1}
        expect: {status: 201}
    """

    final class Output: Sendable {
        private let text = Mutex("")
        func append(_ s: String) { text.withLock { $0 += s } }
        var value: String { text.withLock { $0 } }
    }

    var dir = ""

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("rehearse-between-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/plans", withIntermediateDirectories: true)
        try Self.suite.write(toFile: dir + "/plans/rehearse.yaml", atomically: true, encoding: .utf8)
        try Self.plan.write(toFile: dir + "/plans/api.yaml", atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    func server(secret: String) async throws -> DemoServer {
        try await DemoServer.start(DemoServerConfiguration(jwtSecret: secret))
    }

    /// One `rehearse run` in process; returns the status and what it printed.
    func run(_ server: DemoServer, run key: String, reports: [String] = [], rerunFailed: String? = nil, curl: Bool = false,
             selection: Selection = Selection()) async throws -> (status: ExitStatus, out: String, err: String) {
        let out = Output(), err = Output()
        let console = Console(out: { out.append($0) }, err: { err.append($0) })
        var request = Pipeline.RunRequest(plan: Pipeline.PlanRequest(paths: [dir + "/plans"], options: CompileOptions(
            selection: selection, cliVars: ["base_url": server.baseURL, "run": key])), environment: [:])
        request.reports = try reports.map { try ReportTarget.parse($0) }
        request.rerunFailed = rerunFailed
        request.curl = curl
        request.jobs = 2
        let outcome = await Pipeline.run(request, console: console)
        return (outcome.status, out.value, err.value)
    }

    func diff(_ base: String, _ new: String, format: Pipeline.DiffRequest.Format = .text,
              reports: [String] = []) throws -> (status: ExitStatus, out: String, err: String) {
        let out = Output(), err = Output()
        var request = Pipeline.DiffRequest(base: base, new: new)
        request.format = format
        request.reports = try reports.map { try ReportTarget.parse($0) }
        let status = Pipeline.diff(request, console: Console(out: { out.append($0) }, err: { err.append($0) }))
        return (status, out.value, err.value)
    }

    /// Before the fix the server checks tokens against another secret: every valid-token case is
    /// refused. After it, they pass. The diff lists exactly those as fixed; the other way round
    /// they are the regressions.
    func testDiffOfARunBeforeAndAfterABackendFix() async throws {
        let key = UUID().uuidString.prefix(8).lowercased()
        let broken = try await server(secret: "rotated-on-the-server")
        let before = try await run(broken, run: "\(key)-1", reports: ["json:\(dir)/before.json", "markdown:\(dir)/before.md",
                                                                     "html:\(dir)/before.html", "junit:\(dir)/before.xml"])
        await broken.stop()
        XCTAssertEqual(before.status, .failed, before.out + before.err)
        // One group for the three refusals, one next step, in the console summary.
        XCTAssertTrue(before.out.contains("- 3 cases: 403 with valid `staging-jwt` credentials: run `rehearse auth --probe`"), before.out)
        let fixed = try await server(secret: "dev-only-secret")
        let after = try await run(fixed, run: "\(key)-2", reports: ["json:\(dir)/after.json"])
        await fixed.stop()
        XCTAssertEqual(after.status, .failed, "echo expects 201 and gets 200 in both runs")

        let forward = try diff("\(dir)/before.json", "\(dir)/after.json", reports: ["markdown:\(dir)/diff.md", "html:\(dir)/diff.html"])
        XCTAssertEqual(forward.status, .ok, forward.out + forward.err)
        XCTAssertTrue(forward.out.contains("Fixed (3)\n  api/me  failed → passed\n  api/chat  failed → passed\n  api/threads  failed → passed\n"), forward.out)
        XCTAssertTrue(forward.out.contains("Still failing (1)\n  api/echo"), forward.out)
        XCTAssertFalse(forward.out.contains("Regressions"), forward.out)
        XCTAssertTrue(forward.out.contains("pass rate 33.3% → 83.3% (+50 pp)"), forward.out)
        let md = try String(contentsOfFile: "\(dir)/diff.md", encoding: .utf8)
        XCTAssertTrue(md.hasPrefix("## ✅ Rehearse diff: 3 fixed, no regression\n"), md)
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(dir)/diff.html"))
        let json = try diff("\(dir)/before.json", "\(dir)/after.json", format: .json)
        let doc = try JSONValue.parse(json.out)
        XCTAssertEqual(doc["fixed"].map { v -> [String] in
            guard case .array(let a) = v else { return [] }
            return a.compactMap { $0["id"]?.stringValue }
        }, ["api/me", "api/chat", "api/threads"])
        XCTAssertEqual(doc["regression"], .bool(false))

        let backward = try diff("\(dir)/after.json", "\(dir)/before.json")
        XCTAssertEqual(backward.status, .failed)
        XCTAssertTrue(backward.out.contains("Regressions (3)\n  api/me  passed → failed  (status 403)\n  api/chat  passed → failed  (status 403)\n  api/threads  passed → failed  (status 403)\n"), backward.out)
        XCTAssertFalse(backward.out.contains("Fixed ("), backward.out)
        XCTAssertTrue(backward.out.hasSuffix("exit 1: 3 regressions\n"))

        // The flaky case is flaky in every report the run wrote.
        let beforeJSON = try String(contentsOfFile: "\(dir)/before.json", encoding: .utf8)
        let decoded = try JSONReport.decode(beforeJSON)
        XCTAssertEqual(decoded.flakyResults.map(\.fullID), ["api/recovers"])
        XCTAssertEqual(decoded.result("recovers")?.failedAttempts.map(\.cause), ["status 503"])
        XCTAssertTrue(before.out.contains("(1 flaky)"), before.out)
        XCTAssertTrue(try String(contentsOfFile: "\(dir)/before.md", encoding: .utf8).contains("| `api/recovers` | `attempt 1 (+"))
        XCTAssertTrue(try String(contentsOfFile: "\(dir)/before.html", encoding: .utf8).contains("data-flaky=\"true\""))
        XCTAssertTrue(try String(contentsOfFile: "\(dir)/before.xml", encoding: .utf8).contains("<property name=\"flaky\" value=\"true\"/>"))

        // No secret and no token anywhere in the written reports.
        for file in ["before.json", "before.md", "before.html", "before.xml"] {
            let text = try String(contentsOfFile: "\(dir)/\(file)", encoding: .utf8)
            XCTAssertFalse(text.contains("dev-only-secret"), file)
            XCTAssertFalse(text.contains("rotated-on-the-server"), file)
            XCTAssertFalse(text.contains("eyJ"), "\(file) holds a JWT")
        }
        let mdBefore = try String(contentsOfFile: "\(dir)/before.md", encoding: .utf8)
        let curlLines = mdBefore.split(separator: "\n").filter { $0.contains("curl") || $0.hasPrefix("  -") }
        XCTAssertFalse(curlLines.isEmpty)
        XCTAssertTrue(mdBefore.contains("-H \"Authorization: Bearer $REHEARSE_TOKEN\""), mdBefore)
        XCTAssertTrue(mdBefore.contains("# set $REHEARSE_TOKEN to the credential profile `staging-jwt` makes"), mdBefore)
    }

    /// A rerun sends only what failed (and what it needs): counted by the demo server's
    /// per-key request counters.
    func testRerunFailedSendsOnlyTheFailedCases() async throws {
        try """
        cases:
          - {id: ok-1, request: "GET {{ base_url }}/flaky/{{ run }}-ok1?fail=0", expect: {status: 200}}
          - {id: setup, request: "GET {{ base_url }}/flaky/{{ run }}-setup?fail=0", expect: {status: 200}, capture: {key: $.key}}
          - {id: bad-1, tags: [slow], request: "GET {{ base_url }}/flaky/{{ run }}-bad1?fail=0&k={{ setup.key }}", expect: {status: 201}}
          - {id: bad-2, request: "GET {{ base_url }}/flaky/{{ run }}-bad2?fail=0", expect: {status: 201}}
          - {id: ok-2, request: "GET {{ base_url }}/flaky/{{ run }}-ok2?fail=0", expect: {status: 200}}
        """.write(toFile: dir + "/plans/api.yaml", atomically: true, encoding: .utf8)
        let demo = try await server(secret: "s3cret-value")
        let key = "rr" + UUID().uuidString.prefix(8).lowercased()
        let first = try await run(demo, run: key, reports: ["json:\(dir)/first.json"])
        XCTAssertEqual(first.status, .failed)
        let again = try await run(demo, run: key, rerunFailed: "\(dir)/first.json")
        XCTAssertEqual(again.status, .failed, again.err)
        XCTAssertTrue(again.out.contains("3 cases:"), again.out)
        // With another selection flag: only the failed case that also has the tag (and its dependency).
        let tagged = try await run(demo, run: key, rerunFailed: "\(dir)/first.json", selection: Selection(tags: ["slow"]))
        XCTAssertTrue(tagged.out.contains("2 cases:"), tagged.out)
        // Each counter, read once more: requests so far + 1.
        let transport = AsyncHTTPTransport()
        var counts: [String: Int] = [:]
        for name in ["ok1", "setup", "bad1", "bad2", "ok2"] {
            let response = try await transport.send(HTTPRequestData(method: "GET", url: "\(demo.baseURL)/flaky/\(key)-\(name)?fail=0"))
            counts[name] = try XCTUnwrap(JSONValue.parse(response.bodyText)["attempts"]?.doubleValue).map(Int.init)! - 1
        }
        await transport.shutdown()
        await demo.stop()
        XCTAssertEqual(counts, ["ok1": 1, "setup": 3, "bad1": 3, "bad2": 2, "ok2": 1])
    }

    func testRerunFailedRefusesAReportOfOtherPlans() async throws {
        let demo = try await server(secret: "x")
        let stale = RunReport(results: [ReportFixtures.result("api/renamed", .failed), ReportFixtures.result("api/me", .failed)])
        try ReportWriter.write(ReportWriter.render(.json, stale, masker: SecretMasker()), to: "\(dir)/stale.json")
        let r = try await run(demo, run: "k", rerunFailed: "\(dir)/stale.json")
        XCTAssertEqual(r.status, .invalid)
        XCTAssertTrue(r.err.contains("--rerun-failed: 1 case of \(dir)/stale.json is not in this suite: api/renamed"), r.err)
        XCTAssertTrue(r.err.contains("help:"), r.err)
        try "{not json".write(toFile: "\(dir)/bad.json", atomically: true, encoding: .utf8)
        let bad = try await run(demo, run: "k", rerunFailed: "\(dir)/bad.json")
        XCTAssertEqual(bad.status, .invalid)
        XCTAssertTrue(bad.err.contains("is not a rehearse JSON report"), bad.err)
        let missing = try await run(demo, run: "k", rerunFailed: "\(dir)/none.json")
        XCTAssertEqual(missing.status, .invalid)
        XCTAssertTrue(missing.err.contains("cannot read"), missing.err)
        XCTAssertEqual(try diff("\(dir)/none.json", "\(dir)/stale.json").status, .invalid)
        // A green report: nothing to run again, and nothing wrong either.
        let green = RunReport(results: [ReportFixtures.result("api/me", .passed), ReportFixtures.result("api/chat", .xfailed)])
        try ReportWriter.write(ReportWriter.render(.json, green, masker: SecretMasker()), to: "\(dir)/green.json")
        let none = try await run(demo, run: "k", rerunFailed: "\(dir)/green.json")
        XCTAssertEqual(none.status, .ok)
        XCTAssertEqual(none.out, "nothing to rerun: \(dir)/green.json has no failed, errored or xpassed case\n")
        await demo.stop()
    }

    /// The curl of a failed case, run with /usr/bin/curl, sends the same request again.
    func testCurlReproducesTheFailingRequest() async throws {
        let curlPath = ["/usr/bin/curl", "/bin/curl", "/usr/local/bin/curl"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let broken = try await server(secret: "rotated-on-the-server")
        let r = try await run(broken, run: "c", reports: ["json:\(dir)/run.json"], curl: true)
        XCTAssertTrue(r.out.contains("    curl "), "--curl prints the commands: \(r.out)")
        XCTAssertFalse(r.out.contains("eyJ"))
        let report = try JSONReport.decode(String(contentsOfFile: "\(dir)/run.json", encoding: .utf8))
        let echo = try XCTUnwrap(CurlCommand.of(try XCTUnwrap(report.result("echo"))))
        let chat = try XCTUnwrap(CurlCommand.of(try XCTUnwrap(report.result("chat"))))
        guard let curlPath else {
            await broken.stop()
            throw XCTSkip("no curl on this machine")
        }
        func sh(_ command: String, token: String) throws -> String {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            p.arguments = ["-c", command.replacingOccurrences(of: "curl ", with: curlPath + " -s ", options: .anchored) + " -w '\\n%{http_code}'"]
            p.environment = ["REHEARSE_TOKEN": token, "HOME": "/home/nobody", "PATH": "/usr/bin:/bin"]
            let pipe = Pipe()
            p.standardOutput = pipe
            try p.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
        }
        let echoed = try sh(echo.command, token: "")
        // The refused chat case: with a token the server rejects, it is refused again.
        let refusedAgain = try sh(chat.command, token: "not-a-valid-token").split(separator: "\n").last
        await broken.stop()
        XCTAssertEqual(refusedAgain, "403")
        let lines = echoed.split(separator: "\n")
        XCTAssertEqual(lines.last, "200", "the same answer the case failed on (it expected 201)")
        let body = try JSONValue.parse(String(lines.dropLast().joined(separator: "\n")))
        XCTAssertEqual(body["method"], "POST")
        XCTAssertEqual(body["path"], "/echo/x")
        XCTAssertEqual(body["query"], ["q": "a", "r": "1"])
        XCTAssertEqual(body["json"], ["text": "it's", "n": 1])
        XCTAssertEqual(body["headers"]?["x-note"], #"it's "quoted" $HOME"#)
        XCTAssertEqual(body["headers"]?["content-type"], "application/json")
    }
}
