import AsyncHTTPClient
import DemoServer
import Foundation
import XCTest

final class PublicEndpointTests: DemoServerTestCase {
    func testHealthAndReady() async throws {
        let health = try await send(.GET, url("/health"))
        XCTAssertEqual(health.status, 200)
        XCTAssertEqual(health.headers.first(name: "content-type"), "application/json")
        XCTAssertEqual(health.json["status"] as? String, "healthy")
        XCTAssertEqual(health.json["version"] as? String, "1.4.2")
        XCTAssertNotNil(health.json["uptime_seconds"] as? Int)

        let ready = try await send(.GET, url("/ready"))
        XCTAssertEqual(ready.status, 200)
        XCTAssertTrue(ready.text.contains(#""ready":true"#), ready.text)
        XCTAssertEqual(ready.json["checks"] as? [String: String], ["database": "ok", "queue": "ok"])
    }

    func testEchoReflectsTheRequest() async throws {
        let reply = try await send(
            .POST,
            url("/echo/sub?x=1&name=a%20b"),
            headers: [("X-Api-Key", "secret-value")],
            json: ["hello": "world"]
        )
        XCTAssertEqual(reply.status, 200)
        let json = reply.json
        XCTAssertEqual(json["method"] as? String, "POST")
        XCTAssertEqual(json["path"] as? String, "/echo/sub")
        let query = json["query"] as? [String: String]
        XCTAssertEqual(query?["x"], "1")
        XCTAssertEqual(query?["name"], "a b")
        let headers = json["headers"] as? [String: String]
        XCTAssertEqual(headers?["x-api-key"], "secret-value")
        XCTAssertEqual(headers?["content-type"], "application/json")
        XCTAssertNotNil(headers?["host"])
        XCTAssertEqual(json["body"] as? String, #"{"hello":"world"}"#)
        XCTAssertEqual(json["json"] as? [String: String], ["hello": "world"])

        let empty = try await send(.GET, url("/echo"))
        XCTAssertTrue(empty.json["body"] is NSNull)
        XCTAssertTrue(empty.json["json"] is NSNull)

        let text = try await send(.PUT, url("/echo"), rawBody: "not json")
        XCTAssertEqual(text.json["method"] as? String, "PUT")
        XCTAssertEqual(text.json["body"] as? String, "not json")
        XCTAssertTrue(text.json["json"] is NSNull)
    }

    func testStatusCodes() async throws {
        for code in [200, 201, 404, 418, 500, 503] {
            let reply = try await send(.GET, url("/status/\(code)"))
            XCTAssertEqual(reply.status, code)
            XCTAssertEqual(reply.json["status"] as? Int, code)
        }
        let noContent = try await send(.GET, url("/status/204"))
        XCTAssertEqual(noContent.status, 204)
        XCTAssertTrue(noContent.body.isEmpty)
        let invalid = try await send(.GET, url("/status/abc"))
        XCTAssertEqual(invalid.status, 400)
    }

    func testFlakyFailsThenSucceedsPerKey() async throws {
        for attempt in 1...2 {
            let reply = try await send(.GET, url("/flaky/a?retry_after=3"))
            XCTAssertEqual(reply.status, 503, "attempt \(attempt)")
            XCTAssertEqual(reply.json["error"] as? String, "unavailable")
            XCTAssertEqual(reply.headers.first(name: "retry-after"), "3")
        }
        let third = try await send(.GET, url("/flaky/a?retry_after=3"))
        XCTAssertEqual(third.status, 200)
        XCTAssertEqual(third.json["key"] as? String, "a")
        XCTAssertEqual(third.json["attempts"] as? Int, 3)

        // Another key has its own counter, and no Retry-After unless asked.
        let other = try await send(.GET, url("/flaky/b?fail=1"))
        XCTAssertEqual(other.status, 503)
        XCTAssertNil(other.headers.first(name: "retry-after"))
        let otherAgain = try await send(.GET, url("/flaky/b?fail=1"))
        XCTAssertEqual(otherAgain.status, 200)
        XCTAssertEqual(otherAgain.json["attempts"] as? Int, 2)

        let never = try await send(.GET, url("/flaky/c?fail=0"))
        XCTAssertEqual(never.status, 200)
    }

    func testSlowSleepsAndReports() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let reply = try await send(.GET, url("/slow?ms=150"))
        XCTAssertEqual(reply.status, 200)
        XCTAssertEqual(reply.json["slept_ms"] as? Int, 150)
        XCTAssertGreaterThanOrEqual(start.duration(to: clock.now), .milliseconds(150))
    }

    func testResetDropsTheConnectionWithoutAResponse() async throws {
        // A real HTTP client must fail, not receive a status.
        do {
            let reply = try await send(.GET, url("/reset"))
            XCTFail("expected a transport error, got status \(reply.status)")
        } catch {
            XCTAssertFalse(error is CancellationError)
        }
        // On the wire: not a single byte of response before the close.
        let raw = try await rawExchange(port: server.port, "GET /reset HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertTrue(raw.received.isEmpty, "got \(raw.text)")
        if let code = raw.readError { XCTAssertEqual(code, ECONNRESET) }
        // The server is still fine afterwards.
        let health = try await send(.GET, url("/health"))
        XCTAssertEqual(health.status, 200)
    }

    func testLargeBodyHasExactLength() async throws {
        for size in [0, 10, 65_536, 3_000_001] {
            let reply = try await send(.GET, url("/large?bytes=\(size)"))
            XCTAssertEqual(reply.status, 200)
            XCTAssertEqual(reply.body.count, size)
            XCTAssertEqual(reply.headers.first(name: "content-length"), String(size))
        }
    }

    func testNotJSONClaimsJSON() async throws {
        let reply = try await send(.GET, url("/not-json"))
        XCTAssertEqual(reply.status, 200)
        XCTAssertEqual(reply.headers.first(name: "content-type"), "application/json")
        XCTAssertEqual(reply.text, "{not json")
        XCTAssertNil(try? JSONSerialization.jsonObject(with: reply.body))
    }

    func testLoginIssuesAWorkingToken() async throws {
        let login = try await send(.POST, url("/auth/login"), json: ["user": "e2e", "password": "e2e-password"])
        XCTAssertEqual(login.status, 200)
        XCTAssertEqual(login.json["token_type"] as? String, "bearer")
        XCTAssertEqual(login.json["expires_in"] as? Int, 900)
        let token = try XCTUnwrap(login.json["access_token"] as? String)
        XCTAssertEqual(token.split(separator: ".").count, 3)

        let me = try await send(.GET, url("/api/me"), token: token)
        XCTAssertEqual(me.status, 200)
        XCTAssertEqual(me.json["sub"] as? String, "e2e")
        XCTAssertEqual(me.json["permissions"] as? [String], ["read", "write"])
        XCTAssertNotNil(me.json["email"] as? String)
    }

    func testLoginRejectsBadCredentialsAndBodies() async throws {
        let wrong = try await send(.POST, url("/auth/login"), json: ["user": "e2e", "password": "nope"])
        XCTAssertEqual(wrong.status, 401)
        XCTAssertEqual(wrong.json["error"] as? String, "invalid_credentials")
        let unknown = try await send(.POST, url("/auth/login"), json: ["user": "ghost", "password": "e2e-password"])
        XCTAssertEqual(unknown.status, 401)
        let malformed = try await send(.POST, url("/auth/login"), rawBody: "{user")
        XCTAssertEqual(malformed.status, 400)
        let missingField = try await send(.POST, url("/auth/login"), json: ["user": "e2e"])
        XCTAssertEqual(missingField.status, 400)
    }
}

final class ErrorShapeTests: DemoServerTestCase {
    func testUnknownRouteIsJSON404() async throws {
        let reply = try await send(.GET, url("/no/such/route"))
        XCTAssertEqual(reply.status, 404)
        XCTAssertEqual(reply.headers.first(name: "content-type"), "application/json")
        XCTAssertEqual(reply.json["error"] as? String, "not_found")
    }
}
