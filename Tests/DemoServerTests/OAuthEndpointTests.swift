import AsyncHTTPClient
import DemoServer
import Foundation
import XCTest

/// `/oauth/token`: the client credentials grant the `oauth2` profiles are tested against.
final class OAuthEndpointTests: DemoServerTestCase {
    override func configuration() -> DemoServerConfiguration {
        var c = super.configuration()
        c.oauthClients = ["app": "app-secret"]
        c.oauthTokenLifetime = 120
        return c
    }

    func form(_ body: String, basic: (String, String)? = nil) async throws -> Reply {
        var headers = [("Content-Type", "application/x-www-form-urlencoded")]
        if let (id, secret) = basic { headers.append(("Authorization", "Basic " + Data("\(id):\(secret)".utf8).base64EncodedString())) }
        return try await send(.POST, url("/oauth/token"), headers: headers, rawBody: body)
    }

    func testBasicAndBodyClientAuthIssueATokenTheAPIAccepts() async throws {
        let basic = try await form("grant_type=client_credentials&scope=read+write", basic: ("app", "app-secret"))
        XCTAssertEqual(basic.status, 200, basic.text)
        XCTAssertEqual(basic.json["expires_in"] as? Int, 120)
        XCTAssertEqual(basic.json["token_type"] as? String, "Bearer")
        let body = try await form("grant_type=client_credentials&client_id=app&client_secret=app-secret&audience=api")
        XCTAssertEqual(body.status, 200, body.text)
        for reply in [basic, body] {
            let token = try XCTUnwrap(reply.json["access_token"] as? String)
            let me = try await send(.GET, url("/api/me"), token: token)
            XCTAssertEqual(me.status, 200)
            XCTAssertEqual(me.json["sub"] as? String, "app")
        }
        XCTAssertNotEqual(basic.json["access_token"] as? String, body.json["access_token"] as? String, "every token is new")
        let stats = try await send(.GET, url("/oauth/stats"))
        XCTAssertEqual(stats.json["token_requests"] as? Int, 2)
    }

    func testWrongSecretAndWrongGrantAreRefused() async throws {
        let wrong = try await form("grant_type=client_credentials", basic: ("app", "nope"))
        XCTAssertEqual(wrong.status, 401)
        XCTAssertEqual(wrong.json["error"] as? String, "invalid_client")
        let missing = try await form("grant_type=client_credentials&client_id=app")
        XCTAssertEqual(missing.status, 401)
        let grant = try await form("grant_type=password&username=a&password=b", basic: ("app", "app-secret"))
        XCTAssertEqual(grant.status, 400)
        XCTAssertEqual(grant.json["error"] as? String, "unsupported_grant_type")
    }

    func testSecretLookupOrderModelsABackendsConfiguration() {
        let env = ["B": "b-value", "C": ""]
        XCTAssertEqual(DemoServerConfiguration.secret(lookingUp: ["A", "C", "B"], in: env, fallback: "f"), "b-value")
        XCTAssertEqual(DemoServerConfiguration.secret(lookingUp: ["A", "C"], in: env, fallback: "f"), "f")
    }
}
