import DemoServer
import Foundation
import XCTest

@testable import RehearseModel
@testable import RehearseCompiler
@testable import RehearseResults
@testable import RehearseRuntime
@testable import RehearseTransportNIO

/// A server that rotates its sessions mid-run (401 after a while): the profile's credentials are
/// made again once, not per case, and the cases pass.
final class CredentialRenewalTests: XCTestCase {
    static let suite = """
    version: 1
    vars: {base_url: "http://127.0.0.1:1"}
    auth:
      jwt:
        jwt: {secret_env: [JWT_SECRET_KEY], claims: {sub: e2e, iss: example-auth-service}}
      service:
        oauth2: {token_url: "{{ base_url }}/oauth/token", client_id: rehearse-client, client_secret: "{{ env.OAUTH_CLIENT_SECRET }}"}
      session:
        login:
          request: {method: POST, url: "{{ base_url }}/auth/login", json: {user: e2e, password: e2e-password}}
          token: $.access_token
    """

    static func plan(profile: String, cases: Int) -> String {
        "cases:\n" + (1...cases).map { "  - {id: c\($0), auth: \(profile), request: \"GET {{ base_url }}/api/me\", expect: {status: 200}}" }
            .joined(separator: "\n")
    }

    func run(profile: String, jobs: Int) async throws -> (RunReport, RunContext, DemoServer) {
        var config = DemoServerConfiguration(jwtSecret: "rotating-demo-secret-1")
        config.issuer = "example-auth-service"
        config.oauthClients = ["rehearse-client": "client-secret-rotation"]
        config.revokeTokensAfterRequests = 3
        let server = try await DemoServer.start(config)
        let graph = try EngineFixtures.graph(["p": Self.plan(profile: profile, cases: 10)], suite: Self.suite,
                                             options: CompileOptions(cliVars: ["base_url": server.baseURL]))
        var options = RunOptions()
        options.environment = ["JWT_SECRET_KEY": "rotating-demo-secret-1", "OAUTH_CLIENT_SECRET": "client-secret-rotation"]
        options.cliVars = ["base_url": server.baseURL]
        options.jobs = jobs
        let transport = AsyncHTTPTransport()
        let context = try RunContext(graph: graph, options: options, transport: transport)
        let report = await Runner.run(context)
        await transport.shutdown()
        return (report, context, server)
    }

    func testOAuth2TokenIsFetchedAgainOnceAfterTheServerRotates() async throws {
        let (report, context, server) = try await run(profile: "service", jobs: 4)
        let stats = try await AsyncHTTPTransport().send(HTTPRequestData(method: "GET", url: server.baseURL + "/oauth/stats"))
        await server.stop()
        XCTAssertEqual(report.results.map(\.outcome), Array(repeating: .passed, count: 10),
                       report.results.map { "\($0.caseID): \($0.failures.map(\.message))" }.joined(separator: "; "))
        XCTAssertEqual(try JSONValue.parse(stats.body)["token_requests"], .number(2), "one token, then one more after the rotation")
        let renewed = await context.auth.renewals(of: "service")
        XCTAssertEqual(renewed, 1)
    }

    func testJWTIsMintedAgainOnce() async throws {
        let (report, context, server) = try await run(profile: "jwt", jobs: 4)
        await server.stop()
        XCTAssertEqual(report.results.map(\.outcome), Array(repeating: .passed, count: 10))
        let renewed = await context.auth.renewals(of: "jwt")
        XCTAssertEqual(renewed, 1)
    }

    func testLoginIsMadeAgainOnce() async throws {
        let (report, context, server) = try await run(profile: "session", jobs: 4)
        await server.stop()
        XCTAssertEqual(report.results.map(\.outcome), Array(repeating: .passed, count: 10),
                       report.results.map { "\($0.caseID): \($0.failures.map(\.message))" }.joined(separator: "; "))
        let renewed = await context.auth.renewals(of: "session")
        XCTAssertEqual(renewed, 1)
    }

    /// Credentials refused again after being made again are wrong, not old: no renewal per case.
    func testRefusedAgainStopsRenewing() async throws {
        let suite = """
        version: 1
        vars: {base_url: "http://api.test"}
        auth:
          service:
            oauth2: {token_url: "{{ base_url }}/token", client_id: c, client_secret: s3cr3t-client}
        """
        let graph = try EngineFixtures.graph(["p": Self.plan(profile: "service", cases: 5)], suite: suite)
        let transport = FakeTransport { request, seen in
            if request.url.hasSuffix("/token") { return FakeTransport.json(200, #"{"access_token": "tok-\#(seen)-abcdefgh"}"#) }
            return FakeTransport.json(401, #"{"error": "invalid_token"}"#)
        }
        let (report, context) = try await EngineFixtures.run(graph, transport: transport) { $0.jobs = 1 }
        XCTAssertEqual(report.results.map(\.outcome), Array(repeating: .failed, count: 5))
        XCTAssertEqual(transport.count("/token"), 2, "the first token, and one renewal")
        XCTAssertEqual(transport.count("/api/me"), 6, "five cases, one sent again after the renewal")
        let renewed = await context.auth.renewals(of: "service")
        XCTAssertEqual(renewed, 1)
    }

    /// A static credential cannot be made again: a 401 stands at once.
    func testStaticCredentialsAreNotRenewed() async throws {
        let suite = """
        version: 1
        vars: {base_url: "http://api.test"}
        auth:
          static:
            bearer: static-token-value-1
        """
        let graph = try EngineFixtures.graph(["p": Self.plan(profile: "static", cases: 2)], suite: suite)
        let transport = FakeTransport { _, _ in FakeTransport.json(401, "{}") }
        let (report, _) = try await EngineFixtures.run(graph, transport: transport)
        XCTAssertEqual(report.results.map(\.outcome), [.failed, .failed])
        XCTAssertEqual(transport.requests.count, 2)
    }
}
