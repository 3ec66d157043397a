import DemoServer
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

/// `oauth2` profiles (spec §10): the client credentials grant, one token shared by a run's cases.
final class OAuth2Tests: XCTestCase {
    static let clientSecret = AuthProbeTests.clientSecret

    static let plan = """
    cases:
      - {id: me, auth: service, request: "GET {{ base_url }}/api/me", expect: {status: 200, json: {$.sub: rehearse-client}}}
      - {id: threads, auth: service, request: "GET {{ base_url }}/api/threads", expect: {status: 200}}
      - {id: create, auth: service, request: {method: POST, url: "{{ base_url }}/api/threads", json: {title: t}}, expect: {status: 201}}
      - {id: again, auth: service, request: "GET {{ base_url }}/api/me", expect: {status: 200}}
      - {id: form, auth: service-form, request: "GET {{ base_url }}/api/me", expect: {status: 200}}
      - {id: echo, auth: service, request: "GET {{ base_url }}/echo", expect: {status: 200, body: {contains: not-in-the-echo}}}
    """

    func stats(_ server: DemoServer) async throws -> (requests: Int, issued: Int) {
        let client = AsyncHTTPTransport()
        let r = try await client.send(HTTPRequestData(method: "GET", url: server.baseURL + "/oauth/stats"))
        await client.shutdown()
        let doc = try JSONValue.parse(r.body)
        guard case .number(let n)? = doc["token_requests"], case .number(let i)? = doc["issued"] else { throw TransportError(.other, "no stats") }
        return (Int(n), Int(i))
    }

    func runPlans(_ server: DemoServer, secret: String, jobs: Int = 4) async throws -> (RunReport, RunContext, RecordingTransport) {
        let dir = try AuthProbeTests.directory(suite: AuthProbeTests.suite(), plan: Self.plan)
        let vars = ["base_url": server.baseURL]
        let result = Lint.run(paths: [dir], options: CompileOptions(cliVars: vars))
        XCTAssertEqual(result.diagnostics.filter { $0.severity == .error }.map(\.message), [])
        let graph = try XCTUnwrap(result.graph)
        var options = RunOptions()
        options.environment = ["OAUTH_CLIENT_SECRET": secret]
        options.cliVars = vars
        options.jobs = jobs
        let recorder = RecordingTransport(AsyncHTTPTransport())
        let context = try RunContext(graph: graph, options: options, transport: recorder)
        let report = await Runner.run(context)
        await recorder.shutdown()
        return (report, context, recorder)
    }

    /// Everything the tool writes about a run, for people and machines.
    func written(_ report: RunReport, _ context: RunContext) -> String {
        let console = ConsoleReporter(live: false, color: false, verbosity: .verbose) { _ in }
        var out = console.finalText(report, exitCode: report.exitCode)
        for r in report.results { out += console.caseLine(r) }
        for format in ReportFormat.allCases { out += ReportWriter.render(format, report, masker: context.masker) }
        return out
    }

    func testSeveralCasesShareOneTokenRequest() async throws {
        let server = try await AuthProbeTests.server(order: [], environment: [:])
        let (report, context, recorder) = try await runPlans(server, secret: Self.clientSecret)
        let counted = try await stats(server)
        await server.stop()
        // The echo fails on purpose: its details show the echoed request, token included (masked).
        XCTAssertEqual(report.results.map(\.outcome), Array(repeating: .passed, count: 5) + [.failed],
                       report.results.map { "\($0.caseID): \($0.failures.map(\.message))" }.joined(separator: "; "))
        // Five cases of `service`, one of `service-form`: one token request per profile.
        XCTAssertEqual(counted.requests, 2)
        XCTAssertEqual(counted.issued, 2)
        XCTAssertEqual(report.logins.map(\.profile).sorted(), ["service", "service-form"])
        // The echo shows the token the server got; neither it nor the client secret is written anywhere.
        var tokens: [String] = []
        for body in recorder.bodies {
            if let doc = try? JSONValue.parse(body), let t = doc["access_token"]?.stringValue { tokens.append(t) }
        }
        XCTAssertEqual(tokens.count, 2)
        let text = written(report, context)
        for s in tokens + [Self.clientSecret] { XCTAssertFalse(text.contains(s), "leaked: \(s.prefix(10))…") }
        XCTAssertTrue(text.contains("***"), "the echoed Authorization header is masked")
    }

    func testTokenEndpointFailureMakesDependentsErroredWithTheAnswer() async throws {
        let server = try await AuthProbeTests.server(order: [], environment: [:])
        let wrong = "wrong-client-secret-4242"
        let (report, context, _) = try await runPlans(server, secret: wrong)
        let counted = try await stats(server)
        await server.stop()
        XCTAssertEqual(report.results.map(\.outcome), Array(repeating: .errored, count: 6))
        let message = report.result("me")?.failures.first?.message ?? ""
        XCTAssertTrue(message.contains("auth session failed: profile service"), message)
        XCTAssertTrue(message.contains("answered 401") && message.contains("invalid_client"), message)
        XCTAssertEqual(counted.requests, 2, "one attempt per profile: a 401 is not retried")
        XCTAssertFalse(written(report, context).contains(wrong))
    }

    /// The token is fetched again shortly before `expires_in` runs out, once for all cases.
    func testTokenIsFetchedAgainBeforeItExpires() async throws {
        let suite = """
        version: 1
        vars: {base_url: "http://api.test"}
        auth:
          service:
            oauth2: {token_url: "{{ base_url }}/token", client_id: c, client_secret: s3cr3t-client, client_auth: body, scope: read}
        """
        let plan = """
        serial: true
        cases:
          - {id: a, auth: service, request: "GET {{ base_url }}/a", expect: {status: 200}, retry: {attempts: 2, interval: 110s, until: {status: 200}}}
          - {id: b, auth: service, request: "GET {{ base_url }}/b", expect: {status: 200}}
          - {id: c, auth: service, request: "GET {{ base_url }}/c", expect: {status: 200}}
        """
        let graph = try EngineFixtures.graph(["p": plan], suite: suite)
        let clock = FakeClock()
        let transport = FakeTransport { request, seen in
            if request.url.hasSuffix("/token") {
                return FakeTransport.json(200, #"{"access_token": "tok-\#(seen)-abcdefgh", "expires_in": 120}"#)
            }
            // Case a polls once more 110 s later: past the refresh margin (12 s before expiry) for b.
            if request.url.hasSuffix("/a"), seen == 1 { return FakeTransport.json(202, "{}") }
            return FakeTransport.json(200, "{}")
        }
        let (report, _) = try await EngineFixtures.run(graph, transport: transport, clock: clock)
        let tokenRequests = transport.requests.filter { $0.url.hasSuffix("/token") }
        XCTAssertEqual(tokenRequests.count, 2, transport.requests.map(\.url).joined(separator: " "))
        let body = String(decoding: tokenRequests[0].body ?? [], as: UTF8.self)
        XCTAssertEqual(body, "grant_type=client_credentials&scope=read&client_id=c&client_secret=s3cr3t-client")
        XCTAssertNil(tokenRequests[0].headers.value(of: "Authorization"), "client_auth: body sends no Basic header")
        let auth = transport.requests.filter { !$0.url.hasSuffix("/token") }.map { $0.headers.value(of: "Authorization") ?? "" }
        XCTAssertEqual(auth.first, "Bearer tok-1-abcdefgh")
        XCTAssertEqual(auth.last, "Bearer tok-2-abcdefgh")
        XCTAssertEqual(report.results.count, 3)
    }

    func testBasicClientAuthIsTheDefault() throws {
        let profile = OAuth2Profile(tokenURL: Template(source: "http://x/token", parts: [.literal("http://x/token")]),
                                    clientID: Template(source: "my client", parts: [.literal("my client")]),
                                    clientSecret: Template(source: "p@ss:word", parts: [.literal("p@ss:word")]))
        let masker = SecretMasker()
        let renderer = TemplateRenderer(scope: TemplateScope(), random: RandomSource(seed: 1), clock: FakeClock())
        let request = try OAuth2Client.tokenRequest(profile, renderer: renderer, masker: masker, common: [], timeout: .seconds(1))
        XCTAssertEqual(request.headers.value(of: "Authorization"), "Basic " + Data("my+client:p%40ss%3Aword".utf8).base64EncodedString())
        XCTAssertEqual(String(decoding: request.body ?? [], as: UTF8.self), "grant_type=client_credentials")
        XCTAssertEqual(masker.mask("p@ss:word"), "***")
    }

    func testAuthExplainsAnOAuth2ProfileWithoutItsSecret() async throws {
        let dir = try AuthProbeTests.directory(suite: AuthProbeTests.suite())
        let output = AuthProbeTests.Output()
        var request = Pipeline.AuthRequest(paths: [dir], environment: ["OAUTH_CLIENT_SECRET": Self.clientSecret])
        request.profile = "service"
        let status = await Pipeline.auth(request, console: output.console)
        XCTAssertEqual(status, .ok, output.value)
        XCTAssertTrue(output.value.contains("service (oauth2)"), output.value)
        XCTAssertTrue(output.value.contains("token: POST http://127.0.0.1:1/oauth/token (client credentials), client_id rehearse-client, secret sent as HTTP Basic"), output.value)
        XCTAssertTrue(output.value.contains("reads OAUTH_CLIENT_SECRET: set"), output.value)
        XCTAssertFalse(output.value.contains(Self.clientSecret))
        // Without the variable the profile cannot be made: exit 3.
        let missing = await Pipeline.auth(Pipeline.AuthRequest(paths: [dir], environment: [:]), console: AuthProbeTests.Output().console)
        XCTAssertEqual(missing, .environment)
    }

    /// `--dry-run` sends nothing, not even the token request.
    func testDryRunFetchesNoToken() async throws {
        let suite = """
        version: 1
        vars: {base_url: "http://api.test"}
        auth:
          service:
            oauth2: {token_url: "{{ base_url }}/token", client_id: c, client_secret: s3cr3t-client}
        """
        let graph = try EngineFixtures.graph(["p": "cases:\n  - {id: a, auth: service, request: \"GET {{ base_url }}/a\", expect: {status: 200}}"],
                                             suite: suite)
        let transport = FakeTransport { _, _ in FakeTransport.json(200, #"{"access_token": "t-abcdefgh"}"#) }
        var options = RunOptions()
        options.dryRun = true
        let context = try RunContext(graph: graph, options: options, transport: transport)
        let text = await DryRun.describe(context)
        XCTAssertEqual(transport.requests.count, 0, text)
        XCTAssertTrue(text.contains("Authorization: Bearer *** (service, valid)"), text)
        XCTAssertTrue(text.contains("auth:service: OAuth2 token request, token shared by its cases (profile service)"), text)
    }
}
