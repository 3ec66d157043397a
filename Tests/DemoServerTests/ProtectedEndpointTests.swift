import AsyncHTTPClient
import DemoServer
import Foundation
import XCTest

final class ProtectedEndpointTests: DemoServerTestCase {
    func testMissingTokenIs401WithChallenge() async throws {
        let reply = try await send(.GET, url("/api/me"))
        XCTAssertEqual(reply.status, 401)
        XCTAssertEqual(reply.headers.first(name: "www-authenticate"), "Bearer")
        XCTAssertEqual(reply.json["error"] as? String, "missing_token")
        XCTAssertEqual(reply.json["detail"] as? String, "Authorization header required")
    }

    func testInvalidTokensAre403() async throws {
        let now = Int(Date().timeIntervalSince1970)
        let cases: [(String, String)] = [
            ("bad signature", TestToken.make(secret: "some-other-secret")),
            ("expired", TestToken.make(claims: ["exp": now - 10])),
            ("alg none", TestToken.make(alg: "none")),
            ("unknown alg", TestToken.make(alg: "RS256")),
            ("malformed", "not-a-jwt"),
            ("two segments", "abc.def"),
            ("garbage segments", "%%%.***.!!!"),
            ("fractional exp", TestToken.make(claims: ["exp": Double(now) + 100.5])),
        ]
        for (name, token) in cases {
            let reply = try await send(.GET, url("/api/me"), token: token)
            XCTAssertEqual(reply.status, 403, name)
            XCTAssertEqual(reply.json["error"] as? String, "invalid_token", name)
            XCTAssertFalse((reply.json["detail"] as? String ?? "").isEmpty, name)
        }
        let basic = try await send(.GET, url("/api/me"), headers: [("Authorization", "Basic dXNlcjpwYXNz")])
        XCTAssertEqual(basic.status, 403)
    }

    func testAlgorithmsAndTokenShapes() async throws {
        for alg in ["HS256", "HS384", "HS512"] {
            let reply = try await send(.GET, url("/api/me"), token: TestToken.make(alg: alg, claims: ["sub": alg]))
            XCTAssertEqual(reply.status, 200, alg)
            XCTAssertEqual(reply.json["sub"] as? String, alg)
        }
        let noExpiry = try await send(.GET, url("/api/me"), token: TestToken.make(expiresIn: nil))
        XCTAssertEqual(noExpiry.status, 200)
        let lowercaseScheme = try await send(
            .GET, url("/api/me"), headers: [("Authorization", "bearer \(TestToken.make())")]
        )
        XCTAssertEqual(lowercaseScheme.status, 200)
    }

    func testThreadsLifecycle() async throws {
        let token = TestToken.make()
        let created = try await send(.POST, url("/api/threads"), token: token, json: ["title": "Costs"])
        XCTAssertEqual(created.status, 201)
        let id = try XCTUnwrap(created.json["id"] as? String)
        XCTAssertTrue(id.hasPrefix("th_"))
        XCTAssertEqual(created.headers.first(name: "location"), "/api/threads/\(id)")
        XCTAssertEqual(created.json["title"] as? String, "Costs")
        XCTAssertEqual((created.json["messages"] as? [Any])?.count, 0)
        let createdAt = try XCTUnwrap(created.json["created_at"] as? String)
        XCTAssertNotNil(ISO8601DateFormatter().date(from: createdAt), createdAt)

        let message = try await send(.POST, url("/api/threads/\(id)/messages"), token: token, json: ["content": "hi"])
        XCTAssertEqual(message.status, 201)
        XCTAssertEqual(message.json["role"] as? String, "user")
        XCTAssertEqual(message.json["content"] as? String, "hi")
        XCTAssertNotNil(message.json["id"] as? String)

        let fetched = try await send(.GET, url("/api/threads/\(id)"), token: token)
        XCTAssertEqual(fetched.status, 200)
        XCTAssertEqual((fetched.json["messages"] as? [[String: Any]])?.first?["content"] as? String, "hi")

        let list = try await send(.GET, url("/api/threads"), token: token)
        XCTAssertEqual(list.json["count"] as? Int, 1)
        XCTAssertEqual((list.json["threads"] as? [[String: Any]])?.first?["id"] as? String, id)

        let deleted = try await send(.DELETE, url("/api/threads/\(id)"), token: token)
        XCTAssertEqual(deleted.status, 204)
        let gone = try await send(.GET, url("/api/threads/\(id)"), token: token)
        XCTAssertEqual(gone.status, 404)
        XCTAssertEqual(gone.json["error"] as? String, "not_found")
    }

    func testThreadValidationAndMissing() async throws {
        let token = TestToken.make()
        let noTitle = try await send(.POST, url("/api/threads"), token: token, json: ["name": "x"])
        XCTAssertEqual(noTitle.status, 422)
        XCTAssertEqual(noTitle.json["error"] as? String, "validation")
        XCTAssertEqual(noTitle.json["field"] as? String, "title")
        let missing = try await send(.GET, url("/api/threads/th_nope"), token: token)
        XCTAssertEqual(missing.status, 404)
        let messageToMissing = try await send(
            .POST, url("/api/threads/th_nope/messages"), token: token, json: ["content": "x"]
        )
        XCTAssertEqual(messageToMissing.status, 404)
    }

    func testChat() async throws {
        let reply = try await send(.POST, url("/api/chat"), token: TestToken.make(), json: ["message": "hello"])
        XCTAssertEqual(reply.status, 200)
        XCTAssertEqual(reply.json["reply"] as? String, "echo: hello")
        XCTAssertEqual(reply.json["model"] as? String, "demo")
    }

    func testAdminNeedsAdminPermission() async throws {
        let user = try await send(.GET, url("/api/admin/stats"), token: TestToken.make(claims: ["permissions": ["read"]]))
        XCTAssertEqual(user.status, 403)
        XCTAssertEqual(user.json["error"] as? String, "forbidden")
        XCTAssertEqual(user.json["detail"] as? String, "admin permission required")
        let admin = try await send(
            .GET, url("/api/admin/stats"), token: TestToken.make(claims: ["permissions": ["read", "admin"]])
        )
        XCTAssertEqual(admin.status, 200)
    }

    func testJobStateProgression() async throws {
        let token = TestToken.make()
        let created = try await send(.POST, url("/api/jobs"), token: token)
        XCTAssertEqual(created.status, 202)
        XCTAssertEqual(created.json["state"] as? String, "pending")
        let id = try XCTUnwrap(created.json["id"] as? String)
        XCTAssertTrue(id.hasPrefix("job_"))

        var states: [String] = []
        for _ in 0..<5 {
            let poll = try await send(.GET, url("/api/jobs/\(id)"), token: token)
            XCTAssertEqual(poll.status, 200)
            XCTAssertEqual(poll.json["id"] as? String, id)
            states.append(poll.json["state"] as? String ?? "?")
            if poll.json["state"] as? String == "ready" {
                XCTAssertEqual((poll.json["result"] as? [String: Int])?["rows"], 42)
            }
        }
        XCTAssertEqual(states, ["pending", "pending", "running", "ready", "ready"])
        let unknown = try await send(.GET, url("/api/jobs/job_nope"), token: token)
        XCTAssertEqual(unknown.status, 404)
    }
}

/// Behaviour that depends on the configuration: issuer checks and secrets of unusual lengths.
final class TokenConfigurationTests: XCTestCase {
    func testIssuerIsEnforcedWhenConfigured() async throws {
        var configuration = DemoServerConfiguration(jwtSecret: testSecret)
        configuration.issuer = "https://issuer.test"
        try await withDemoServer(configuration) { server in
        let right = try await send(.GET, server.baseURL + "/api/me", token: TestToken.make(claims: ["iss": "https://issuer.test"]))
        XCTAssertEqual(right.status, 200)
        let wrong = try await send(.GET, server.baseURL + "/api/me", token: TestToken.make(claims: ["iss": "https://other.test"]))
        XCTAssertEqual(wrong.status, 403)
        let absent = try await send(.GET, server.baseURL + "/api/me", token: TestToken.make())
        XCTAssertEqual(absent.status, 403)

        // Login tokens carry the configured issuer, so they pass the same check.
        let login = try await send(.POST, server.baseURL + "/auth/login", json: ["user": "e2e", "password": "e2e-password"])
        let token = try XCTUnwrap(login.json["access_token"] as? String)
        let me = try await send(.GET, server.baseURL + "/api/me", token: token)
        XCTAssertEqual(me.status, 200)
        }
    }

    func testAnySecretLengthWorks() async throws {
        for secret in ["", "k", String(repeating: "long-secret-", count: 40)] {
            try await withDemoServer(DemoServerConfiguration(jwtSecret: secret)) { server in
            for alg in ["HS256", "HS384", "HS512"] {
                let reply = try await send(.GET, server.baseURL + "/api/me", token: TestToken.make(secret: secret, alg: alg))
                XCTAssertEqual(reply.status, 200, "secret length \(secret.count), \(alg)")
            }
            let forged = try await send(.GET, server.baseURL + "/api/me", token: TestToken.make(secret: secret + "x"))
            XCTAssertEqual(forged.status, 403)
            }
        }
    }
}
