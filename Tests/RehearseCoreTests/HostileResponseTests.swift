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

/// Responses written to hurt the reader (issue #17): credentials echoed where a cut falls, terminal
/// escape sequences, binary bodies, regexes that backtrack for minutes. Everything the run prints
/// or writes is checked: the console (as `rehearse run` drives it) and every report format.
final class HostileResponseTests: XCTestCase {
    static let suite = """
    version: 1
    vars: {base_url: "http://api.test"}
    auth:
      tok: {bearer: "{{ env.API_TOKEN }}"}
      ops: {basic: {username: ops, password: "{{ env.OPS_PASSWORD }}"}}
      jwt: {jwt: {secret_env: [JWT_SECRET], claims: {sub: e2e}}}
    """

    static let environment = ["API_TOKEN": "tok_live_4f9a8b7c6d5e3f21x", "OPS_PASSWORD": "hunter2-correct-horse",
                              "JWT_SECRET": "jwt-signing-secret-2024"]

    /// The console as a run drives it (progress lines, then the summary) and every report.
    static func everythingWritten(_ report: RunReport, _ masker: SecretMasker, verbose: Bool = true) -> String {
        let console = Mutex("")
        let reporter = ConsoleReporter(live: false, color: false, verbosity: verbose ? .verbose : .normal) { s in
            console.withLock { $0 += s }
        }
        for (i, r) in report.results.enumerated() { reporter.caseFinished(r, done: i + 1, total: report.results.count) }
        var written = console.withLock { $0 } + reporter.finalText(report, exitCode: report.exitCode)
        for format in ReportFormat.allCases { written += ReportWriter.render(format, report, masker: masker) }
        return written
    }

    static func run(_ plan: String, environment: [String: String] = environment,
                    _ handler: @escaping FakeTransport.Handler) async throws -> (RunReport, RunContext) {
        let graph = try EngineFixtures.graph(["p": plan], suite: suite)
        return try await EngineFixtures.run(graph, transport: FakeTransport(handler), environment: environment)
    }

    // MARK: item 6: mask first, then cut

    /// A server echoes the credential after some padding; wherever a cut falls (the 200-character
    /// value in a message, the 600-character body excerpt), no part of a secret long enough to
    /// matter is shown.
    func testACredentialCrossingACutIsNeverHalfShown() async throws {
        let pads = Array(stride(from: 150, through: 200, by: 1)) + Array(stride(from: 560, through: 600, by: 1))
        var plan = "cases:\n"
        for profile in ["tok", "ops", "jwt"] {
            for pad in pads {
                plan += "  - {id: \(profile)-\(pad), auth: \(profile), request: \"GET {{ base_url }}/echo/\(pad)\", "
                plan += "expect: {status: 200, body: {contains: never-there}}}\n"
            }
        }
        let (report, context) = try await Self.run(plan) { request, _ throws(TransportError) in
            let pad = Int(request.url.split(separator: "/").last!)!
            let auth = request.headers.first { $0.name == "Authorization" }?.value ?? "none"
            let body = String(repeating: "x", count: pad) + auth + " and more text after it"
            return HTTPResponseData(status: 500, headers: [("Content-Type", "text/plain")], body: Array(body.utf8), duration: .milliseconds(1))
        }
        XCTAssertEqual(report.count(.failed), pads.count * 3)
        var secrets = [Self.environment["API_TOKEN"]!, Self.environment["OPS_PASSWORD"]!,
                       Data("ops:\(Self.environment["OPS_PASSWORD"]!)".utf8).base64EncodedString()]
        let minted = try await context.auth.credentials(for: .profile(Located("jwt", at: SourcePosition(line: 1, column: 1)), mode: .valid))
            .headers.first!.value
        secrets.append(String(minted.dropFirst("Bearer ".count)))
        let written = Self.everythingWritten(report, context.masker)
        for secret in secrets {
            // Eight characters of a token are already a useful start for guessing the rest.
            XCTAssertFalse(written.contains(secret.prefix(8)), "part of a secret is shown: \(secret.prefix(5))…")
        }
        XCTAssertTrue(written.contains("***"))
    }

    // MARK: item 7: credentials written into a plan

    func testLiteralCredentialsInAPlanAreMaskedWhenTheServerEchoesThem() async throws {
        let plan = """
        cases:
          - id: literal
            request:
              method: GET
              url: "{{ base_url }}/echo"
              headers: {Authorization: "Bearer sk_live_51HxQz9LiteralKey", Cookie: "session=c00kie-v4lue-123; theme=dark",
                        X-Trace: trace-visible-123}
            expect: {status: 200}
        """
        let (report, context) = try await Self.run(plan) { request, _ throws(TransportError) in
            let echoed = request.headers.map { "\($0.name)=\($0.value)" }.joined(separator: "\n")
                + "\nsession cookie alone: c00kie-v4lue-123"
            return HTTPResponseData(status: 500, headers: [("Content-Type", "text/plain")], body: Array(echoed.utf8), duration: .zero)
        }
        XCTAssertEqual(report.outcome("literal"), .failed)
        let written = Self.everythingWritten(report, context.masker)
        XCTAssertFalse(written.contains("sk_live_51HxQz9LiteralKey"))
        XCTAssertFalse(written.contains("c00kie-v4lue-123"), written.components(separatedBy: "\n").filter { $0.contains("c00kie") }.joined(separator: "\n"))
        XCTAssertTrue(written.contains("X-Trace=trace-visible-123"), "what is not a credential stays readable")
        XCTAssertTrue(written.contains("> Cookie: session=***; theme=***"), "cookie names are shown, values never")
    }

    // MARK: item 8: masking never rewrites structure

    /// `OPS_PASSWORD=e` used to turn `"environment"` into `"***nvironm***nt"` in the JSON report
    /// (which `rehearse merge` then rejected) and `expected` into `***xp***ct***d` on the console.
    func testAOneLetterSecretLeavesOutputReadable() async throws {
        let plan = """
        cases:
          - {id: created, auth: ops, request: "POST {{ base_url }}/items", expect: {status: 201}}
        """
        var env = Self.environment
        env["OPS_PASSWORD"] = "e"
        let (report, context) = try await Self.run(plan, environment: env) { _, _ throws(TransportError) in
            FakeTransport.json(500, #"{"message": "the server did not create the entry"}"#)
        }
        let json = ReportWriter.render(.json, report, masker: context.masker)
        let decoded = try JSONReport.decode(json)
        XCTAssertEqual(decoded.results.map(\.outcome), [.failed])
        let doc = try JSONValue.parse(Array(json.utf8))
        XCTAssertNotNil(doc["results"])
        XCTAssertNotNil(doc["environment"])
        let written = Self.everythingWritten(report, context.masker)
        XCTAssertTrue(written.contains("status: expected 201, got 500"))
        XCTAssertTrue(written.contains("the server did not create the entry"))
        XCTAssertFalse(written.contains("***xp"))
    }

    /// Masking a JSON value masks its string values, never its keys.
    func testMaskingJSONKeepsKeys() {
        let masker = SecretMasker()
        masker.add("hunter2-secret")
        let masked = masker.mask(JSONValue.object(["hunter2-secret": .string("token hunter2-secret"), "n": .number(1)]))
        XCTAssertEqual(masked, .object(["hunter2-secret": .string("token ***"), "n": .number(1)]))
    }

    // MARK: item 12: terminal escape sequences from a server

    func testControlCharactersFromTheServerAreShownEscaped() async throws {
        let plan = """
        cases:
          - {id: spoof, request: "GET {{ base_url }}/x", expect: {status: 200, body: {contains: ok}}}
        """
        let hostile = "oops\u{1B}]0;pwned-title\u{07}\u{1B}[2K\rFAKE: all passed\u{9B}31m"
        let (report, context) = try await Self.run(plan) { _, _ throws(TransportError) in
            HTTPResponseData(status: 500, headers: [("Content-Type", "text/plain"), ("Location", "/a\u{1B}[2Kb")],
                             body: Array(hostile.utf8), duration: .zero)
        }
        for format in [ReportFormat.markdown, .html, .junit] {
            let text = ReportWriter.render(format, report, masker: context.masker)
            XCTAssertFalse(text.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x0D || $0.value == 0x9B },
                           "\(format) holds raw control characters")
            XCTAssertTrue(text.contains(#"\x1b]0;pwned-title\x07\x1b[2K\x0dFAKE"#), "\(format) shows them escaped")
        }
        let console = Self.everythingWritten(report, context.masker).components(separatedBy: "<?xml").first!
        XCTAssertFalse(console.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x0D },
                       "the console (without colour) holds raw control characters")
        XCTAssertTrue(console.contains(#"\x1b[2K\x0dFAKE: all passed"#))
        // JSON keeps the text: its own escaping makes it safe, and tools get the real bytes.
        let json = try JSONReport.decode(ReportWriter.render(.json, report, masker: context.masker))
        XCTAssertTrue(json.results[0].exchange?.bodyExcerpt?.contains("\u{1B}[2K\r") == true)
    }

    func testBidirectionalControlsAreShownEscaped() {
        XCTAssertEqual(VisibleText.escape("user\u{202E}nimda\u{2066}x\u{200F}"), #"user\u{202e}nimda\u{2066}x\u{200f}"#)
        XCTAssertEqual(VisibleText.escape("café → ok"), "café → ok", "other text is left alone")
    }

    // MARK: issue #11 item 4: binary bodies

    func testABinaryBodyIsShownAsItsSizeAndType() async throws {
        let plan = """
        cases:
          - {id: image, request: "GET {{ base_url }}/logo", expect: {status: 404}}
          - {id: matched, request: "GET {{ base_url }}/logo", expect: {body: {contains: GIF}}}
          - {id: untyped, request: "GET {{ base_url }}/blob", expect: {status: 404}}
          - {id: latin1, request: "GET {{ base_url }}/page", expect: {status: 404}}
        """
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x1B, 0x5B, 0x32, 0x4A, 0xFF, 0xFE]
        let (report, context) = try await Self.run(plan) { request, _ throws(TransportError) in
            if request.url.hasSuffix("logo") {
                return HTTPResponseData(status: 200, headers: [("Content-Type", "image/png")], body: png, duration: .zero)
            }
            if request.url.hasSuffix("page") {
                return HTTPResponseData(status: 200, headers: [("Content-Type", "text/plain; charset=iso-8859-1")],
                                        body: Array("caf".utf8) + [0xE9], duration: .zero)
            }
            return HTTPResponseData(status: 200, headers: [], body: [0x00, 0x01, 0xC3], duration: .zero)
        }
        XCTAssertEqual(report.result("image")?.exchange?.bodyExcerpt, "<18 bytes, image/png>")
        XCTAssertEqual(report.result("untyped")?.exchange?.bodyExcerpt, "<3 bytes, no content type>")
        XCTAssertEqual(report.result("latin1")?.exchange?.bodyExcerpt, "caf\u{FFFD}", "a declared text type is shown as text")
        XCTAssertEqual(report.result("matched")?.failures.map(\.message),
                       [#"body: expected something containing "GIF", found <18 bytes, image/png>"#])
        let written = Self.everythingWritten(report, context.masker)
        XCTAssertFalse(written.contains("PNG"), "no raw bytes of the body")
        XCTAssertFalse(written.contains("\u{FFFD}PNG"), "no lossy decoding of the binary body")
    }

    // MARK: item 4: a regex that backtracks without end

    /// `^(a+)+$` against a run of `a`s and a `!` backtracks exponentially. The case fails with a
    /// message that says the match was given up, within the budget, and the run goes on.
    func testACatastrophicRegexFailsItsCaseWithinTheBudget() async throws {
        let plan = """
        cases:
          - {id: evil, request: "GET {{ base_url }}/a", expect: {body: {matches: "^(a+)+$"}}}
          - {id: captured, request: "GET {{ base_url }}/a", capture: {x: {body: "^(a+)+$"}}, expect: {status: 200}}
          - {id: fine, request: "GET {{ base_url }}/a", expect: {body: {matches: "^a+!$"}}}
        """
        let started = ContinuousClock.now
        let (report, _) = try await Self.run(plan) { _, _ throws(TransportError) in
            HTTPResponseData(status: 200, headers: [("Content-Type", "text/plain")],
                             body: Array((String(repeating: "a", count: 17) + "!").utf8), duration: .zero)
        }
        let elapsed = ContinuousClock.now - started
        XCTAssertLessThan(elapsed, .seconds(5), "two matches of at most 2 s each, side by side (alone, each takes about 7 s)")
        XCTAssertEqual(report.outcome("fine"), .passed)
        XCTAssertEqual(report.outcome("evil"), .failed)
        XCTAssertTrue(report.result("evil")?.failures.first?.message.contains("was given up after 2s") == true,
                      report.result("evil")?.failures.first?.message ?? "")
        XCTAssertEqual(report.outcome("captured"), .failed)
        XCTAssertTrue(report.result("captured")?.failures.first?.message.hasPrefix("capture x: matching /^(a+)+$/ was given up") == true,
                      report.result("captured")?.failures.first?.message ?? "")
    }

    /// Only a short text and a pattern with at most one place to backtrack into skip the worker
    /// thread (a hand-off costs about 20 µs); anything not understood counts as many.
    func testOnlyPatternsThatCannotBacktrackMuchRunInline() {
        XCTAssertEqual(BoundedRegex.choicePoints(in: "^th_[0-9a-f]+$"), 1)
        XCTAssertEqual(BoundedRegex.choicePoints(in: "^e2e-"), 0)
        XCTAssertEqual(BoundedRegex.choicePoints(in: "[+*?|(]x"), 0)
        XCTAssertEqual(BoundedRegex.choicePoints(in: #"(?<id>\d+)"#), 1)
        XCTAssertEqual(BoundedRegex.choicePoints(in: #"\(?\d+\)?"#), 3)
        XCTAssertEqual(BoundedRegex.choicePoints(in: "a*a*b"), 2)
        for unsafe in ["^(a+)+$", "(a|aa)*", #"(x)\1"#, "(?x) a + # comment", "[[a-z]--[b]]+", "(?:ab){2}"] {
            XCTAssertGreaterThan(BoundedRegex.choicePoints(in: unsafe), 1, unsafe)
        }
    }

    // MARK: item 7: lint excerpts

    func testLintExcerptsDoNotShowCredentialsWrittenInThePlan() {
        let text = """
        auth:
          ops: {basic: {username: ops, password: hunter2-plain}}
          jwt:
            jwt: {secret_default: "dev-only-secret", claims: {sub: x}, tll: 5m}
          env: {basic: {username: ops, password: "{{ env.OPS_PASSWORD }}"}}
        """
        let renderer = DiagnosticRenderer(sources: ["rehearse.yaml": Array(text.utf8)])
        var shown = ""
        for (line, column) in [(2, 3), (4, 64), (5, 3)] {
            shown += renderer.text(Diagnostic(.unknownKey, .error, "something here",
                                              at: SourceLocation(file: "rehearse.yaml", position: SourcePosition(line: line, column: column))))
        }
        XCTAssertFalse(shown.contains("hunter2-plain"), shown)
        XCTAssertFalse(shown.contains("dev-only-secret"), shown)
        XCTAssertTrue(shown.contains("password: *************}}"), shown)
        XCTAssertTrue(shown.contains("{{ env.OPS_PASSWORD }}"), "a template says where the secret comes from, and is kept")
        XCTAssertTrue(shown.contains("tll: 5m"))
    }
}
