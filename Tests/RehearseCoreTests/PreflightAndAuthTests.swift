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

final class PreflightAndAuthTests: XCTestCase {
    static let suite = """
    version: 1
    default_env: staging
    environments:
      staging:
        vars: {base_url: "https://staging.test"}
        require_env: [JWT_SECRET_STAGING]
    auth:
      staging-jwt:
        jwt:
          secret_env: [JWT_SECRET_STAGING, JWT_SECRET_KEY, E2E_BYPASS_KEY]
          claims: {sub: e2e, iss: example-auth-service}
          ttl: 15m
      ops:
        basic: {username: ops, password: "{{ env.OPS_PASSWORD }}"}
    """

    func testEveryMissingNameIsListedAtOnce() throws {
        let graph = try EngineFixtures.graph(["p": """
        auth: staging-jwt
        cases:
          - id: a
            request: {method: GET, url: "{{ base_url }}/a", headers: {X-Key: "{{ env.API_KEY }}"}}
            expect: {status: 200}
          - {id: b, auth: ops, request: "GET {{ base_url }}/b", expect: {status: 200}}
        """], suite: Self.suite)
        let missing = Preflight.missing(graph, environment: [:]).map(\.name)
        XCTAssertEqual(Set(missing), ["JWT_SECRET_STAGING", "API_KEY", "OPS_PASSWORD"])
        let message = Preflight.message(Preflight.missing(graph, environment: [:]))
        XCTAssertTrue(message.contains("required by environment staging"), message)
        XCTAssertTrue(message.contains("p.yaml:"), "says where a variable is used: \(message)")
        XCTAssertEqual(Preflight.missing(graph, environment: ["JWT_SECRET_STAGING": "x", "API_KEY": "k", "OPS_PASSWORD": "p"]).count, 0)
        // Each is a diagnostic through the one renderer, positioned where the variable is used.
        let diagnostics = Preflight.diagnostics(Preflight.missing(graph, environment: [:]))
        let apiKey = try XCTUnwrap(diagnostics.first { $0.message.hasPrefix("API_KEY is not set") })
        XCTAssertEqual(apiKey.code, .missingEnvironment)
        XCTAssertEqual(apiKey.location.file, "p.yaml")
        XCTAssertEqual(apiKey.location.position?.line, 4)
        XCTAssertEqual(apiKey.hint, "export API_KEY, or put it in a dotenv file and pass --env-file FILE")
        XCTAssertTrue(message.contains("p.yaml:4:"), message)
        XCTAssertTrue(message.contains("error[missing-env]: "), message)
    }

    /// The story this tool exists for: several priority variables set to different values.
    func testAuthExplainsWhichSecretWinsWithoutShowingIt() async throws {
        let (suite, d) = SuiteLoader.parseSuite(Array(Self.suite.utf8), path: "rehearse.yaml")
        XCTAssertEqual(d.count, 0)
        let env = ["JWT_SECRET_KEY": "key-value-aaaa", "E2E_BYPASS_KEY": "bypass-value-bbbb"]
        let doc = await AuthInspection.inspect(suite: suite, environmentName: "staging", processEnvironment: env)
        let text = AuthInspection.text(doc) + doc.prettyText()
        XCTAssertTrue(text.contains("signing with: environment variable JWT_SECRET_KEY"), text)
        XCTAssertTrue(text.contains("unset JWT_SECRET_STAGING"), text)
        XCTAssertTrue(text.contains("2 variables of the priority list are set"), text)
        XCTAssertTrue(text.contains("\"iss\": \"example-auth-service\""), text)
        XCTAssertTrue(text.contains("OPS_PASSWORD is not set"), text)
        XCTAssertFalse(text.contains("key-value-aaaa") || text.contains("bypass-value-bbbb"), "secret values are never shown")
    }

    /// `rehearse auth` says once why a profile cannot be made, and the CLI exits 3 on it.
    func testAProfileThatCannotBeMadeIsOneErrorAndNotUsable() async throws {
        let (suite, _) = SuiteLoader.parseSuite(Array("""
        version: 1
        vars: {base_url: "https://staging.test"}
        auth:
          t: {jwt: {secret_env: [A, B], claims: {sub: x}}}
          session:
            login:
              request: {method: POST, url: "{{ base_url }}/login?key={{ env.LOGIN_API_KEY }}", json: {user: u}}
              token: $.token
        """.utf8), path: "rehearse.yaml")
        let doc = await AuthInspection.inspect(suite: suite, environmentName: nil, processEnvironment: ["LOGIN_API_KEY": "k-0123456789"])
        let text = AuthInspection.text(doc)
        XCTAssertTrue(text.contains("error: none of A, B is set and there is no secret_default"), text)
        XCTAssertFalse(text.contains("WARNING"), "one message for one problem: \(text)")
        guard case .array(let profiles)? = doc["profiles"], profiles.count == 2 else { return XCTFail("\(doc)") }
        XCTAssertEqual(profiles[0]["usable"], false)
        XCTAssertFalse(AuthInspection.allUsable(doc))
        // The login URL is shown rendered, with the secret-looking variable masked.
        XCTAssertTrue(text.contains("login: POST https://staging.test/login?key=***, token at $.token"), text)
        XCTAssertFalse(text.contains("k-0123456789"), text)
        XCTAssertEqual(profiles[1]["usable"], true)
        let good = await AuthInspection.inspect(suite: suite, environmentName: nil, processEnvironment: ["A": "secret-a", "LOGIN_API_KEY": "k"])
        XCTAssertTrue(AuthInspection.allUsable(good))
    }

    func testDefaultSecretGetsALoudWarning() async throws {
        let (suite, _) = SuiteLoader.parseSuite(Array("""
        version: 1
        auth:
          t: {jwt: {secret_env: [A, B], secret_default: dev-only-secret, claims: {sub: x}}}
        """.utf8), path: "rehearse.yaml")
        let doc = await AuthInspection.inspect(suite: suite, environmentName: nil, processEnvironment: [:])
        let text = AuthInspection.text(doc)
        XCTAssertTrue(text.contains("WARNING: none of A, B is set: tokens are signed with secret_default"), text)
        XCTAssertFalse(text.contains("dev-only-secret"))
    }

    /// The first set and non-empty variable wins; an empty one is passed over.
    func testSecretPriorityListSkipsEmptyValues() {
        var jwt = JWTProfile()
        jwt.secretEnv = ["A", "B", "C"]
        let r = AuthProvider.resolveSecret(jwt, environment: ["A": "", "B": "b", "C": "c"])
        XCTAssertEqual(r.source, .environment("B"))
        XCTAssertEqual(r.candidates.map(\.isSet), [false, true, true])
    }
}

/// RS256 and ES256 profiles sign with the PEM key named by `private_key_env`, through the provider.
final class AsymmetricProfileTests: XCTestCase {
    func credentials(_ algorithm: String, pem: String, mode: AuthMode = .valid) async throws -> (String, Suite) {
        let (suite, d) = SuiteLoader.parseSuite(Array("""
        version: 1
        auth:
          signed:
            jwt: {algorithm: \(algorithm), private_key_env: SIGNING_KEY, claims: {sub: e2e}, ttl: 5m}
        """.utf8), path: "rehearse.yaml")
        XCTAssertEqual(d.map(\.message), [])
        let clock = FakeClock()
        let random = RandomSource(seed: 1)
        let provider = AuthProvider(suite: suite, environment: ["SIGNING_KEY": pem],
                                    renderer: TemplateRenderer(scope: TemplateScope(), random: random, clock: clock),
                                    clock: clock, masker: SecretMasker())
        let use = AuthUse.profile(Located("signed", at: SourcePosition(line: 1, column: 1)), mode: mode)
        let header = try await provider.credentials(for: use).headers.first { $0.name == "Authorization" }?.value
        return (try XCTUnwrap(header), suite)
    }

    func header(of token: String) throws -> JSONValue {
        let segments = token.split(separator: ".", omittingEmptySubsequences: false)
        return try JSONValue.parse(try XCTUnwrap(Base64URL.decode(String(segments[0]))))
    }

    func testRS256AndES256SignWithThePrivateKeyFromTheEnvironment() async throws {
        for (alg, pem, signatureBytes) in [("RS256", JWTTestKeys.rsaPKCS8, 256), ("ES256", JWTTestKeys.ecPKCS8, 64)] {
            let (value, _) = try await credentials(alg, pem: pem)
            XCTAssertTrue(value.hasPrefix("Bearer "))
            let token = String(value.dropFirst("Bearer ".count))
            XCTAssertEqual(try header(of: token)["alg"], .string(alg))
            let signature = try XCTUnwrap(Base64URL.decode(String(token.split(separator: ".")[2])))
            XCTAssertEqual(signature.count, signatureBytes, alg)
        }
    }

    func testWrongSecretModeWorksForAsymmetricProfiles() async throws {
        let (valid, _) = try await credentials("ES256", pem: JWTTestKeys.ecPKCS8)
        let (impostor, _) = try await credentials("ES256", pem: JWTTestKeys.ecPKCS8, mode: .wrongSecret)
        XCTAssertNotEqual(valid.split(separator: ".").last, impostor.split(separator: ".").last)
        XCTAssertEqual(try header(of: String(impostor.dropFirst(7)))["alg"], "ES256")
    }
}
