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

final class RehearseSchemasTests: XCTestCase {
    // Compiled once: Regex construction dominates, and every test validates several instances.
    private static let planValidator = try! JSONSchemaValidator(schema: RehearseSchemas.plan)
    private static let suiteValidator = try! JSONSchemaValidator(schema: RehearseSchemas.suite)

    private func planViolations(_ json: String) throws -> [JSONSchemaViolation] {
        Self.planValidator.validate(try JSONValue.parse(json))
    }

    private func suiteViolations(_ json: String) throws -> [JSONSchemaViolation] {
        Self.suiteValidator.validate(try JSONValue.parse(json))
    }

    /// A plan holding one case.
    private func caseViolations(_ caseJSON: String) throws -> [JSONSchemaViolation] {
        try planViolations(#"{"cases": ["# + caseJSON + "]}")
    }

    private func assertRejected(_ violations: [JSONSchemaViolation], at path: String, _ message: String,
                                file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(violations.contains { $0.instancePath == path && $0.message == message },
                      "expected \(path): \(message) in \(violations.map(\.description))", file: file, line: line)
    }

    // MARK: the documents

    func testDocumentsDeclareDraft202012AndTheirIDs() {
        for (doc, name) in [(RehearseSchemas.plan, "plan"), (RehearseSchemas.suite, "suite")] {
            XCTAssertEqual(doc["$schema"], "https://json-schema.org/draft/2020-12/schema")
            XCTAssertEqual(doc["$id"], .string("https://rehearse.dev/schema/v1/\(name).json"))
            XCTAssertNotNil(doc["title"]?.stringValue)
            XCTAssertNotNil(doc["description"]?.stringValue)
        }
        XCTAssertEqual(RehearseSchemas.document(for: "plan"), RehearseSchemas.plan)
        XCTAssertEqual(RehearseSchemas.document(for: "suite"), RehearseSchemas.suite)
        XCTAssertNil(RehearseSchemas.document(for: "rehearse.yaml"))
        XCTAssertEqual(RehearseSchemas.kinds.compactMap(RehearseSchemas.document(for:)).count, 2)
    }

    func testEveryDefinitionIsUsedAndEveryReferenceResolves() throws {
        for doc in [RehearseSchemas.plan, RehearseSchemas.suite] {
            guard case .object(let defs) = doc["$defs"] ?? .null else { return XCTFail("no $defs") }
            var refs: Set<String> = []
            walk(doc, skipping: []) { value, _ in
                if case .string(let r) = value["$ref"] ?? .null { refs.insert(r) }
            }
            XCTAssertEqual(Set(defs.keys.map { "#/$defs/\($0)" }), refs, "\(doc["$id"]!)")
        }
    }

    /// Editors show descriptions on hover: every key a user can write has one, directly or on the
    /// definition it refers to.
    func testEveryPropertyHasADescription() {
        for doc in [RehearseSchemas.plan, RehearseSchemas.suite] {
            walk(doc) { value, path in
                guard case .object(let props) = value["properties"] ?? .null else { return }
                for (key, schema) in props {
                    var described = schema["description"] != nil
                    if !described, case .string(let ref) = schema["$ref"] ?? .null {
                        described = doc["$defs"]?[String(ref.dropFirst("#/$defs/".count))]?["description"] != nil
                    }
                    XCTAssertTrue(described, "\(doc["$id"]!) \(path)/properties/\(key) has no description")
                }
            }
        }
    }

    /// Every object the format defines rejects keys it does not define (conditions excepted: they
    /// only test a shape).
    func testDefinedObjectsAreClosed() {
        for doc in [RehearseSchemas.plan, RehearseSchemas.suite] {
            walk(doc) { value, path in
                guard value["properties"] != nil else { return }
                XCTAssertEqual(value["additionalProperties"], false, "\(doc["$id"]!) \(path)")
            }
        }
    }

    /// Visits every object in a document; by default not below `if`/`then`/`else`, `not` and
    /// `oneOf`, which hold conditions on a shape rather than shapes.
    private func walk(_ value: JSONValue, _ path: String = "", skipping: Set<String> = ["if", "then", "else", "not", "oneOf"],
                      _ visit: (JSONValue, String) -> Void) {
        switch value {
        case .object(let o):
            visit(value, path)
            for (k, v) in o where !skipping.contains(k) { walk(v, "\(path)/\(k)", skipping: skipping, visit) }
        case .array(let a):
            for (i, v) in a.enumerated() { walk(v, "\(path)/\(i)", skipping: skipping, visit) }
        default: break
        }
    }

    // MARK: valid files

    func testSpecExamplesAreValid() throws {
        XCTAssertEqual(try suiteViolations(RehearseSchemaFixtures.specSuite), [])
        XCTAssertEqual(try planViolations(RehearseSchemaFixtures.specPlan), [])
    }

    func testFilesUsingEveryKeyAreValid() throws {
        XCTAssertEqual(try suiteViolations(RehearseSchemaFixtures.everySuiteKey), [])
        XCTAssertEqual(try planViolations(RehearseSchemaFixtures.everyPlanKey), [])
    }

    func testCasesWithoutExpectThatStillCheckSomething() throws {
        // A WebSocket `receive` step or `retry.until` is an expectation of its own.
        XCTAssertEqual(try caseViolations(#"{"id": "a", "websocket": {"url": "ws://x", "steps": [{"receive": {"text": "hi"}}]}}"#), [])
        XCTAssertEqual(try caseViolations(#"{"id": "a", "request": "GET http://x", "retry": {"attempts": 3, "until": {"status": 200}}}"#), [])
        assertRejected(try caseViolations(#"{"id": "a", "websocket": {"url": "ws://x", "steps": [{"close": 1000}]}}"#),
                       at: "/cases/0", "missing required key 'expect'")
        assertRejected(try caseViolations(#"{"id": "a", "request": "GET http://x", "expect": {}}"#),
                       at: "/cases/0/expect", "expected at least 1 key, got 0")
    }

    /// Counts and numbers are numbers, as the parser requires; a template there is flagged.
    func testNumbersAreNumbers() throws {
        let templated = #"{"id": "a", "request": "GET http://x", "expect": {"status": 200, "json": {"$.n": {"min": "{{ lo }}"}}}, "#
            + #""load": {"requests": "{{ n }}", "concurrency": "{{ c }}"}, "retry": {"attempts": "{{ tries }}"}}"#
        XCTAssertEqual(try caseViolations(templated).count, 4)
        XCTAssertFalse(try caseViolations(#"{"id": "a", "request": "GET http://x", "expect": {"status": 200}, "load": {"requests": "many"}}"#).isEmpty)
        XCTAssertFalse(try caseViolations(#"{"id": "a", "request": "GET http://x", "expect": {"status": 200}, "load": {"requests": 0}}"#).isEmpty)
    }

    // MARK: plan mistakes

    func testTypicalPlanMistakesAreRejected() throws {
        let mistakes: [(String, String, String)] = [
            (#"{"id": "a", "reqest": "GET http://x", "expect": {"status": 200}}"#,
             "/cases/0/reqest", "unknown key 'reqest'; did you mean 'request'?"),
            (#"{"id": "a", "request": "GET http://x", "expect": {"status": "abc"}}"#,
             "/cases/0/expect/status", "'abc' does not match the pattern ^[1-5]xx$"),
            (#"{"id": "a", "request": "GET http://x", "websocket": {"url": "ws://x"}, "expect": {"status": 200}}"#,
             "/cases/0", "'request' and 'websocket' cannot be used together"),
            (#"{"id": "a", "priority": "urgent", "request": "GET http://x", "expect": {"status": 200}}"#,
             "/cases/0/priority", "'urgent' is not one of: critical, high, normal, low"),
            (#"{"id": "a", "request": "GET http://x", "timeout": "10 seconds", "expect": {"status": 200}}"#,
             "/cases/0/timeout", "'10 seconds' does not match the pattern ^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$"),
            (#"{"id": "a", "auth": {"use": "jwt", "mode": "sneaky"}, "request": "GET http://x", "expect": {"status": 200}}"#,
             "/cases/0/auth/mode", "'sneaky' is not one of: valid, missing, malformed, expired, wrong-secret, tampered, none-alg"),
            (#"{"request": "GET http://x", "expect": {"status": 200}}"#, "/cases/0", "missing required key 'id'"),
            (#"{"id": "Health Check", "request": "GET http://x", "expect": {"status": 200}}"#,
             "/cases/0/id", "'Health Check' does not match the pattern ^[a-z0-9_-]+$"),
            (#"{"id": "a", "expect": {"status": 200}}"#, "/cases/0", "needs 'request', 'websocket' or 'sse'"),
            (#"{"id": "a", "request": "GET http://x"}"#, "/cases/0", "missing required key 'expect'"),
            (#"{"id": "a", "request": "FETCH http://x", "expect": {"status": 200}}"#,
             "/cases/0/request", #"'FETCH http://x' does not match the pattern ^\s*(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+\S"#),
            (#"{"id": "a", "request": {"url": "http://x", "json": {}, "body": "x"}, "expect": {"status": 200}}"#,
             "/cases/0/request", "'json' and 'body' cannot be used together"),
            (#"{"id": "a", "request": {"method": "GET"}, "expect": {"status": 200}}"#, "/cases/0/request", "missing required key 'url'"),
            (#"{"id": "a", "request": "GET http://x", "expect": {"status": 700}}"#,
             "/cases/0/expect/status", "700 is greater than the maximum 599"),
            (#"{"id": "a", "request": "GET http://x", "expect": {"json": {"$.a": {"regex": "x"}}}}"#,
             "/cases/0/expect/json/$.a/regex", "unknown key 'regex'"),
            (#"{"id": "a", "request": "GET http://x", "expect": {"json": {"$.a": {"typ": "string"}}}}"#,
             "/cases/0/expect/json/$.a/typ", "unknown key 'typ'; did you mean 'type'?"),
            (#"{"id": "a", "request": "GET http://x", "expect": {"json": {"$.a": {"type": "text"}}}}"#,
             "/cases/0/expect/json/$.a/type", "'text' is not one of: string, number, integer, boolean, array, object, null"),
            (#"{"id": "a", "request": "GET http://x", "expect": {"json": {"status": 1}}}"#,
             "/cases/0/expect/json/status", "invalid key 'status': 'status' does not match the pattern ^\\$"),
            (#"{"id": "a", "request": "GET http://x", "expect": {"duration": {"min": "1s"}}}"#,
             "/cases/0/expect/duration/min", "unknown key 'min'"),
            (#"{"id": "a", "request": "GET http://x", "expect": {"latency": {"p75": "1s"}}, "load": {"requests": 2}}"#,
             "/cases/0/expect/latency/p75", "unknown key 'p75'; did you mean 'p95'?"),
            (#"{"id": "a", "request": "GET http://x", "expect": {"status": 200}, "capture": {"id": "id"}}"#,
             "/cases/0/capture/id", "'id' does not match the pattern ^\\$"),
            (#"{"id": "a", "request": "GET http://x", "expect": {"status": 200}, "capture": {"x": {"header": "A", "body": "b"}}}"#,
             "/cases/0/capture/x", "'body' and 'header' cannot be used together"),
            (#"{"id": "a", "request": "GET http://x", "expect": {"status": 200}, "retry": {"until": {"status": 200}}}"#,
             "/cases/0/retry", "key 'attempts' is required when 'until' is present"),
            (#"{"id": "a", "request": "GET http://x", "expect": {"status": 200}, "retry": {"on": ["conect"]}}"#,
             "/cases/0/retry/on/0", "'conect' is not one of: connect, timeout"),
            (#"{"id": "a", "request": "GET http://x", "expect": {"status": 200}, "retry": {"backoff": {"factor": 0.5}}}"#,
             "/cases/0/retry/backoff/factor", "0.5 is less than the minimum 1"),
            (#"{"id": "a", "request": "GET http://x", "expect": {"status": 200}, "skip": true}"#,
             "/cases/0/skip", "expected string, got boolean"),
            (#"{"id": "a", "websocket": {"url": "ws://x"}, "load": {"requests": 2}, "expect": {"status": 101}}"#,
             "/cases/0", "'load' and 'websocket' cannot be used together"),
            (#"{"id": "a", "websocket": {"url": "ws://x", "steps": [{"send": {"text": "a"}, "close": 1000}]}, "expect": {"status": 101}}"#,
             "/cases/0/websocket/steps/0", "'close' and 'send' cannot be used together"),
            (#"{"id": "a", "websocket": {"url": "ws://x", "steps": [{"send": {"text": "a", "json": 1}}]}, "expect": {"status": 101}}"#,
             "/cases/0/websocket/steps/0/send", "'json' and 'text' cannot be used together"),
            (#"{"id": "a", "websocket": {"url": "ws://x", "steps": [{"close": 999}]}, "expect": {"status": 101}}"#,
             "/cases/0/websocket/steps/0/close", "999 is less than the minimum 1000"),
            (#"{"id": "a", "websocket": {"url": "ws://x", "steps": [{"receive": {"capture": {"h": {"header": "X"}}}}]}}"#,
             "/cases/0/websocket/steps/0/receive/capture/h/header", "unknown key 'header'"),
        ]
        for (json, path, message) in mistakes {
            assertRejected(try caseViolations(json), at: path, message)
        }
    }

    func testObjectsAsMatcherValuesNeedEquals() throws {
        let literal = #"{"id": "a", "request": "GET http://x", "expect": {"json": {"$.obj": {"a": 1}}}}"#
        assertRejected(try caseViolations(literal), at: "/cases/0/expect/json/$.obj/a", "unknown key 'a'")
        let equals = #"{"id": "a", "request": "GET http://x", "expect": {"json": {"$.obj": {"equals": {"a": 1}}}}}"#
        XCTAssertEqual(try caseViolations(equals), [])
    }

    func testPlanLevelMistakesAreRejected() throws {
        assertRejected(try planViolations(#"{"name": "x"}"#), at: "", "missing required key 'cases'")
        assertRejected(try planViolations(#"{"priority": "urgent", "cases": []}"#),
                       at: "/priority", "'urgent' is not one of: critical, high, normal, low")
        assertRejected(try planViolations(#"{"case": [], "cases": []}"#), at: "/case", "unknown key 'case'; did you mean 'cases'?")
        assertRejected(try planViolations(#"{"$schema": "x", "cases": []}"#), at: "/$schema", "unknown key '$schema'")
        assertRejected(try planViolations(#"{"serial": "yes", "cases": []}"#), at: "/serial", "expected boolean, got string")
        assertRejected(try planViolations(#"{"vars": {"a.b": 1}, "cases": []}"#),
                       at: "/vars/a.b", "invalid key 'a.b': 'a.b' does not match the pattern ^[A-Za-z0-9_-]+$")
        assertRejected(try planViolations(#"{"cases": {}}"#), at: "/cases", "expected array, got object")
    }

    // MARK: suite mistakes

    func testTypicalSuiteMistakesAreRejected() throws {
        let mistakes: [(String, String, String)] = [
            (#"{"version": 2}"#, "/version", "expected 1, got 2"),
            (#"{"enviroments": {}}"#, "/enviroments", "unknown key 'enviroments'; did you mean 'environments'?"),
            (#"{"environments": {"ci": {"varz": {}}}}"#, "/environments/ci/varz", "unknown key 'varz'; did you mean 'vars'?"),
            (#"{"environments": {"ci": {"require_env": "TOKEN"}}}"#, "/environments/ci/require_env", "expected array, got string"),
            (#"{"defaults": {"timeout": 10}}"#, "/defaults/timeout", "expected string, got integer"),
            (#"{"defaults": {"timout": "10s"}}"#, "/defaults/timout", "unknown key 'timout'; did you mean 'timeout'?"),
            (#"{"defaults": {"retries": {}}}"#, "/defaults/retries", "unknown key 'retries'"),
            (#"{"auth": {"p": {"jwt": {"secret_env": "S"}, "bearer": "t"}}}"#, "/auth/p", "'jwt' and 'bearer' cannot be used together"),
            (#"{"auth": {"p": {}}}"#, "/auth/p", "needs 'jwt', 'basic', 'header', 'bearer', 'login' or 'oauth2'"),
            (#"{"auth": {"p": {"oauth2": {"token_url": "http://x/t", "client_id": "c"}}}}"#, "/auth/p/oauth2", "missing required key 'client_secret'"),
            (#"{"auth": {"p": {"oauth2": {"token_url": "t", "client_id": "c", "client_secret": "s", "client_auth": "post"}}}}"#,
             "/auth/p/oauth2/client_auth", "'post' is not one of: basic, body"),
            (#"{"auth": {"p": {"bearer": "t", "probe": {"request": "GET http://x/me"}}}}"#, "/auth/p/probe", "missing required key 'expect'"),
            (#"{"auth": {"p": {"jwt": {"algorithm": "HS999", "secret_env": "S"}}}}"#,
             "/auth/p/jwt/algorithm", "'HS999' is not one of: HS256, HS384, HS512, RS256, ES256"),
            (#"{"auth": {"p": {"jwt": {"algorithm": "RS256"}}}}"#, "/auth/p/jwt", "missing required key 'private_key_env'"),
            (#"{"auth": {"p": {"jwt": {"ttl": "15m"}}}}"#, "/auth/p/jwt", "needs 'secret_env' or 'secret_default'"),
            (#"{"auth": {"p": {"jwt": {"secret_env": "S", "websocket": "query"}}}}"#,
             "/auth/p/jwt/websocket", "'query' is not one of: header, subprotocol"),
            (#"{"auth": {"none": {"bearer": "t"}}}"#, "/auth/none", "invalid key 'none': 'none' is not allowed here"),
            (#"{"auth": {"p": {"basic": {"username": "u"}}}}"#, "/auth/p/basic", "missing required key 'password'"),
            (#"{"auth": {"p": {"header": {"name": "X-Key"}}}}"#, "/auth/p/header", "missing required key 'value'"),
            (#"{"auth": {"p": {"login": {"request": "POST http://x/login"}}}}"#, "/auth/p/login", "missing required key 'token'"),
            (#"{"auth": {"p": {"login": {"request": "POST http://x", "token": "access_token"}}}}"#,
             "/auth/p/login/token", "'access_token' does not match the pattern ^\\$"),
            (#"{"auth": {"p": {"bearer": "t", "prefix": "Token"}}}"#, "/auth/p/prefix", "unknown key 'prefix'"),
        ]
        for (json, path, message) in mistakes {
            assertRejected(try suiteViolations(json), at: path, message)
        }
    }

    func testProfileLevelHeaderAndSchemeCombineWithAnyKind() throws {
        XCTAssertEqual(try suiteViolations(#"{"auth": {"p": {"bearer": "t", "header": "X-Token", "scheme": "Token"}}}"#), [])
        XCTAssertEqual(try suiteViolations(#"{"auth": {"p": {"header": {"name": "X-Key", "value": "v"}}}}"#), [])
        XCTAssertFalse(try suiteViolations(#"{"auth": {"p": {"header": "X-Token"}}}"#).isEmpty, "a header name is not a kind")
    }
}
