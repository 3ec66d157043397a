import DemoServer
import Foundation
import Synchronization
import XCTest

@testable import Rehearse
@testable import RehearseModel
@testable import RehearseDiagnostics
@testable import RehearseCompiler
@testable import RehearseResults
@testable import RehearseRuntime
@testable import RehearseTransportNIO
@testable import RehearseReport

/// Spec §10 against a real server over real sockets: the demo server plays a backend whose secret
/// lookup order is its own, and the probe has to find which variable it reads.
final class AuthProbeTests: XCTestCase {
    /// The candidates' values: long and distinct, so a leak is unmistakable.
    static let values = [
        "JWT_SECRET_STAGING": "staging-value-7d41c9e2a8",
        "JWT_SECRET_KEY": "key-value-3b88f01c5e",
        "E2E_BYPASS_KEY": "bypass-value-90aa1e4f27",
    ]
    static let defaultSecret = "dev-default-value-55e1"

    static func suite(order: [String] = ["JWT_SECRET_STAGING", "JWT_SECRET_KEY", "E2E_BYPASS_KEY", "STAGING_JWT_SECRET"],
                      withDefault: Bool = true) -> String {
        """
        version: 1
        default_env: test
        environments:
          test:
            vars: {base_url: "http://127.0.0.1:1"}
        auth:
          staging-jwt:
            jwt:
              secret_env: [\(order.joined(separator: ", "))]
        \(withDefault ? "      secret_default: \(defaultSecret)" : "")
              claims: {sub: e2e-probe, iss: example-auth-service, permissions: [read, write]}
            probe:
              request: GET {{ base_url }}/api/me
              expect: {status: 200}
          service:
            oauth2:
              token_url: "{{ base_url }}/oauth/token"
              client_id: rehearse-client
              client_secret: "{{ env.OAUTH_CLIENT_SECRET }}"
              scope: read write
            probe:
              request: GET {{ base_url }}/api/me
              expect: {status: 200, json: {$.sub: rehearse-client}}
          service-form:
            oauth2:
              token_url: "{{ base_url }}/oauth/token"
              client_id: rehearse-client
              client_secret: "{{ env.OAUTH_CLIENT_SECRET }}"
              client_auth: body
        """
    }

    static let plan = """
    cases:
      - id: me
        auth: staging-jwt
        request: GET {{ base_url }}/api/me
        expect: {status: 200}
      - id: threads
        auth: staging-jwt
        request: GET {{ base_url }}/api/threads
        expect: {status: 200}
      - id: public
        auth: none
        request: GET {{ base_url }}/health
        expect: {status: 200}
    """

    static let clientSecret = "client-secret-e0c2f7a9b3"

    static func directory(suite: String, plan: String = plan) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rehearse-probe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try suite.write(to: dir.appendingPathComponent("rehearse.yaml"), atomically: true, encoding: .utf8)
        try plan.write(to: dir.appendingPathComponent("cases.yaml"), atomically: true, encoding: .utf8)
        return dir.path
    }

    /// A backend that reads `serverOrder` first-set-wins (what a real service's config does).
    static func server(order serverOrder: [String], environment: [String: String], fallback: String = defaultSecret,
                lifetime: Int = 900) async throws -> DemoServer {
        var config = DemoServerConfiguration(jwtSecret: DemoServerConfiguration.secret(lookingUp: serverOrder, in: environment,
                                                                                        fallback: fallback))
        config.issuer = "example-auth-service"
        config.oauthClients = ["rehearse-client": Self.clientSecret]
        config.oauthTokenLifetime = lifetime
        return try await DemoServer.start(config)
    }

    final class Output: Sendable {
        let text = Mutex("")
        var console: Console { Console(out: { s in self.text.withLock { $0 += s } }, err: { s in self.text.withLock { $0 += s } }) }
        var value: String { text.withLock { $0 } }
    }

    func probe(_ dir: String, _ server: DemoServer, environment: [String: String], profile: String? = "staging-jwt",
               json: Bool = false) async -> (ExitStatus, String) {
        var request = Pipeline.AuthRequest(paths: [dir], environment: environment)
        request.probe = true
        request.profile = profile
        request.json = json
        let output = Output()
        // `auth` reads base_url from the suite: point it at this server.
        let suite = try! String(contentsOfFile: dir + "/rehearse.yaml", encoding: .utf8)
            .replacingOccurrences(of: "http://127.0.0.1:1", with: server.baseURL)
        try! suite.write(toFile: dir + "/rehearse.yaml", atomically: true, encoding: .utf8)
        let status = await Pipeline.auth(request, console: output.console)
        return (status, output.value)
    }

    func assertNoSecrets(_ text: String, extra: [String] = [], file: StaticString = #filePath, line: UInt = #line) {
        for s in Array(Self.values.values) + [Self.defaultSecret, Self.clientSecret] + extra {
            XCTAssertFalse(text.contains(s), "a secret leaked: \(s.prefix(10))…", file: file, line: line)
        }
    }

    // MARK: auth --probe

    func testWrongPriorityOrderNamesTheVariableTheServerAcceptsAndExits1() async throws {
        let env = Self.values
        let server = try await Self.server(order: ["JWT_SECRET_KEY", "JWT_SECRET_STAGING"], environment: env)
        let dir = try Self.directory(suite: Self.suite())
        let (status, out) = await probe(dir, server, environment: env)
        await server.stop()
        XCTAssertEqual(status, .failed, out)
        XCTAssertTrue(out.contains("the server accepts JWT_SECRET_KEY; this profile signs with JWT_SECRET_STAGING, the first one set: put JWT_SECRET_KEY first, or give both the same value"), out)
        let rows = out.split(separator: "\n").map(String.init)
        XCTAssertTrue(rows.contains { $0.contains("JWT_SECRET_STAGING") && $0.contains("yes") && $0.contains("refused (403)") }, out)
        XCTAssertTrue(rows.contains { $0.contains("JWT_SECRET_KEY") && $0.contains("accepted (200)") }, out)
        XCTAssertTrue(rows.contains { $0.contains("STAGING_JWT_SECRET") && $0.contains("unset") }, out)
        assertNoSecrets(out)
    }

    func testRightPriorityOrderExits0() async throws {
        let env = Self.values
        let server = try await Self.server(order: ["JWT_SECRET_STAGING", "JWT_SECRET_KEY"], environment: env)
        let dir = try Self.directory(suite: Self.suite())
        let (status, out) = await probe(dir, server, environment: env)
        await server.stop()
        XCTAssertEqual(status, .ok, out)
        XCTAssertTrue(out.contains("the server accepts JWT_SECRET_STAGING, the secret this profile signs with"), out)
        assertNoSecrets(out)
    }

    /// A server whose secret is each candidate in turn: the probe finds each one.
    func testServerWhoseSecretIsEachCandidate() async throws {
        let env = Self.values
        for (candidate, expected) in [("JWT_SECRET_STAGING", ExitStatus.ok), ("JWT_SECRET_KEY", .failed), ("E2E_BYPASS_KEY", .failed)] {
            let server = try await Self.server(order: [candidate], environment: env)
            let dir = try Self.directory(suite: Self.suite())
            let (status, out) = await probe(dir, server, environment: env, json: true)
            await server.stop()
            XCTAssertEqual(status, expected, "\(candidate): \(out)")
            let doc = try JSONValue.parse(out)
            guard case .array(let probes)? = doc["probes"], case .array(let cands)? = probes.first?["candidates"] else {
                return XCTFail(out)
            }
            let accepted = cands.filter { $0["accepted"] == .bool(true) }.compactMap { $0["name"]?.stringValue }
            XCTAssertEqual(accepted, [candidate], out)
            assertNoSecrets(out)
        }
        // The server falls back to the default; the profile signs with the first variable set.
        let server = try await Self.server(order: ["UNSET_EVERYWHERE"], environment: env)
        let dir = try Self.directory(suite: Self.suite())
        let (status, out) = await probe(dir, server, environment: env)
        await server.stop()
        XCTAssertEqual(status, .failed)
        XCTAssertTrue(out.contains("the server accepts secret_default; this profile signs with JWT_SECRET_STAGING"), out)
    }

    func testNoCandidateAcceptedSaysTheSecretIsNotAmongThem() async throws {
        let env = Self.values
        let server = try await Self.server(order: [], environment: env, fallback: "a-secret-nobody-has-1234")
        let dir = try Self.directory(suite: Self.suite())
        let (status, out) = await probe(dir, server, environment: env)
        await server.stop()
        XCTAssertEqual(status, .failed)
        XCTAssertTrue(out.contains("the server accepts none of the 4 candidates sent"), out)
        XCTAssertTrue(out.contains("its secret is not among them"), out)
        // The demo server answers 403 to a bad signature, and says so: the note reads its words
        // rather than guessing at the claims.
        XCTAssertTrue(out.contains("every refusal was 403 (forbidden), and the server's answer speaks of the signature"), out)
        XCTAssertFalse(out.contains("refused the claims"), out)
        XCTAssertTrue(out.contains("signature verification failed"), "the server's own words: \(out)")
        assertNoSecrets(out)
    }

    func testMissingSecretExits3() async throws {
        let server = try await Self.server(order: [], environment: [:])
        let dir = try Self.directory(suite: Self.suite(withDefault: false))
        let (status, out) = await probe(dir, server, environment: [:])
        await server.stop()
        XCTAssertEqual(status, .environment, out)
        XCTAssertTrue(out.contains("nothing to sign with"), out)
    }

    func testRequiredVariableMissingExits3BeforeAnythingIsSent() async throws {
        let server = try await Self.server(order: [], environment: [:])
        let dir = try Self.directory(suite: Self.suite().replacingOccurrences(of: "vars: {base_url: \"http://127.0.0.1:1\"}",
                                                                              with: "vars: {base_url: \"http://127.0.0.1:1\"}\n    require_env: [STAGING_TOKEN]"))
        // Every probed profile, the OAuth2 one included: its token endpoint must not be asked.
        let env = Self.values.merging(["OAUTH_CLIENT_SECRET": Self.clientSecret]) { a, _ in a }
        let (status, out) = await probe(dir, server, environment: env, profile: nil)
        let stats = try await AsyncHTTPTransport().send(HTTPRequestData(method: "GET", url: server.baseURL + "/oauth/stats"))
        await server.stop()
        XCTAssertEqual(status, .environment, out)
        XCTAssertTrue(out.contains("STAGING_TOKEN is not set"), out)
        XCTAssertEqual(try JSONValue.parse(stats.body)["token_requests"], .number(0))
    }

    func testProfileWithoutProbeIsACommandLineError() async throws {
        let server = try await Self.server(order: [], environment: [:])
        let dir = try Self.directory(suite: Self.suite())
        let (status, out) = await probe(dir, server, environment: [:], profile: "service-form")
        await server.stop()
        XCTAssertEqual(status, .invalid)
        XCTAssertTrue(out.contains("error[no-probe]: profile 'service-form' has no `probe:`"), out)
        XCTAssertTrue(out.contains("help:"), out)
    }

    func testOAuth2ProbeIsSentOnceWithTheProfilesToken() async throws {
        let env = ["OAUTH_CLIENT_SECRET": Self.clientSecret]
        let server = try await Self.server(order: [], environment: [:])
        let dir = try Self.directory(suite: Self.suite())
        let (status, out) = await probe(dir, server, environment: env, profile: "service")
        XCTAssertEqual(status, .ok, out)
        XCTAssertTrue(out.contains("the server accepts the credentials of 'service'"), out)
        let (wrong, refusal) = await probe(dir, server, environment: ["OAUTH_CLIENT_SECRET": "not-the-client-secret-99"], profile: "service")
        await server.stop()
        XCTAssertEqual(wrong, .failed, refusal)
        XCTAssertTrue(refusal.contains("invalid_client"), refusal)
        assertNoSecrets(out + refusal, extra: ["not-the-client-secret-99"])
    }

    /// Plain `rehearse auth` points at the probe when several candidates are set.
    func testAuthWithoutProbePointsAtIt() async throws {
        let dir = try Self.directory(suite: Self.suite())
        let output = Output()
        var request = Pipeline.AuthRequest(paths: [dir], environment: Self.values)
        request.profile = "staging-jwt"
        let status = await Pipeline.auth(request, console: output.console)
        XCTAssertEqual(status, .ok)
        XCTAssertTrue(output.value.contains("3 variables of the priority list are set; the first wins. Make sure the backend reads the same one first: `rehearse auth --probe` asks the server which one it accepts"), output.value)
        XCTAssertTrue(output.value.contains("probe: GET http://127.0.0.1:1/api/me (`rehearse auth --probe` sends it)"), output.value)
        assertNoSecrets(output.value)
    }

    // MARK: run

    /// A run in the wrong order: every case refused, the diagnosis printed after the cases and
    /// written into every report.
    func testRunInTheWrongOrderPrintsTheDiagnosis() async throws {
        let env = Self.values
        let server = try await Self.server(order: ["JWT_SECRET_KEY", "JWT_SECRET_STAGING"], environment: env)
        let dir = try Self.directory(suite: Self.suite())
        let reports = dir + "/out"
        var plan = Pipeline.PlanRequest(paths: [dir])
        plan.options.cliVars = ["base_url": server.baseURL]
        var request = Pipeline.RunRequest(plan: plan, environment: env)
        request.reports = [ReportTarget(format: .json, path: reports + ".json"), ReportTarget(format: .markdown, path: reports + ".md"),
                           ReportTarget(format: .html, path: reports + ".html"), ReportTarget(format: .junit, path: reports + ".xml")]
        let output = Output()
        let outcome = await Pipeline.run(request, console: output.console)
        await server.stop()
        XCTAssertEqual(outcome.status, .failed)
        let fix = "the server accepts JWT_SECRET_KEY; this profile signs with JWT_SECRET_STAGING, the first one set: put JWT_SECRET_KEY first, or give both the same value"
        XCTAssertTrue(output.value.contains("Auth diagnosis"), output.value)
        XCTAssertTrue(output.value.contains(fix), output.value)
        XCTAssertEqual(outcome.report?.authDiagnoses.map(\.verdict), [.otherCandidateAccepted])
        let json = try String(contentsOfFile: reports + ".json", encoding: .utf8)
        let markdown = try String(contentsOfFile: reports + ".md", encoding: .utf8)
        let html = try String(contentsOfFile: reports + ".html", encoding: .utf8)
        let junit = try String(contentsOfFile: reports + ".xml", encoding: .utf8)
        XCTAssertTrue(markdown.contains("### Auth diagnosis") && markdown.contains(fix), markdown)
        XCTAssertTrue(html.contains("Auth diagnosis") && html.contains(XMLEscape.escape(fix, attribute: true)), html)
        let doc = try JSONValue.parse(json)
        XCTAssertEqual(doc["auth_diagnosis"]?[0]?["verdict"]?.stringValue, "other-candidate-accepted")
        XCTAssertEqual(doc["auth_diagnosis"]?[0]?["conclusion"]?.stringValue, fix)
        // It reads back (merge) unchanged.
        let decoded = try JSONReport.decode(json)
        XCTAssertEqual(decoded.authDiagnoses, outcome.report?.authDiagnoses)
        assertNoSecrets(output.value + json + markdown + html + junit)
    }

    /// No diagnosis when the profile's cases pass, or when only some were refused.
    func testNoDiagnosisWhenTheCredentialsWork() async throws {
        let env = Self.values
        let server = try await Self.server(order: ["JWT_SECRET_STAGING"], environment: env)
        let dir = try Self.directory(suite: Self.suite())
        var plan = Pipeline.PlanRequest(paths: [dir])
        plan.options.cliVars = ["base_url": server.baseURL]
        let output = Output()
        let outcome = await Pipeline.run(Pipeline.RunRequest(plan: plan, environment: env), console: output.console)
        await server.stop()
        XCTAssertEqual(outcome.status, .ok, output.value)
        XCTAssertEqual(outcome.report?.authDiagnoses.count, 0)
        XCTAssertFalse(output.value.contains("Auth diagnosis"))
    }
}

extension JSONValue {
    subscript(index: Int) -> JSONValue? {
        guard case .array(let a) = self, a.indices.contains(index) else { return nil }
        return a[index]
    }
}
