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

/// `each`, `teardown` and `extends` (spec §9) against the demo server, over real sockets.
final class AuthoringIntegrationTests: XCTestCase {
    let demo = DemoHelpers()

    /// A suite folder: the repository's rehearse.yaml (with its `json-api` template), a CSV data
    /// file and the plan.
    func writeSuite(_ plan: String, extraSuite: String = "") throws -> String {
        let dir = try demo.writePlan(plan)
        if !extraSuite.isEmpty {
            let suite = dir + "/rehearse.yaml"
            try (String(contentsOfFile: suite, encoding: .utf8) + extraSuite).write(toFile: suite, atomically: true, encoding: .utf8)
        }
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        try "name,email\nada,ada@example.com\ngrace,grace@example.com\nlinus,\"linus@example.com\"\n"
            .write(toFile: dir + "/data/users.csv", atomically: true, encoding: .utf8)
        try #"[{"title": "one"}, {"title": "two"}]"#.write(toFile: dir + "/data/titles.json", atomically: true, encoding: .utf8)
        return dir
    }

    /// A token from the demo server's own login, to look at its state after a run.
    func threadIDs(on server: DemoServer) async throws -> [String] {
        let http = AsyncHTTPTransport()
        defer { Task { await http.shutdown() } }
        let login = try await http.send(HTTPRequestData(method: "POST", url: server.baseURL + "/auth/login",
                                                        headers: [("Content-Type", "application/json")],
                                                        body: Array(#"{"user": "e2e", "password": "e2e-password"}"#.utf8)))
        guard case .string(let token)? = try JSONValue.parse(login.body)["access_token"] else {
            XCTFail("no token from the demo login")
            return []
        }
        let list = try await http.send(HTTPRequestData(method: "GET", url: server.baseURL + "/api/threads",
                                                       headers: [("Authorization", "Bearer " + token)]))
        guard case .array(let threads)? = try JSONValue.parse(list.body)["threads"] else { return [] }
        return threads.compactMap { if case .string(let id)? = $0["id"] { return id } else { return nil } }
    }

    func testInlineFileAndCaptureEachGiveOneResultPerElement() async throws {
        let server = try await demo.startServer()
        let dir = try writeSuite("""
        cases:
          - id: create
            each: {file: data/titles.json}
            request: {method: POST, url: "{{ base_url }}/api/threads", json: {title: "{{ item.title }}"}}
            expect: {status: 201, json: {$.title: "{{ item.title }}"}}
            capture: {id: $.id}
          - id: tiers
            auth: none
            each: [{name: free, code: 200}, {name: pro, code: 201}, {code: 202}]
            request: GET {{ base_url }}/status/{{ item.code }}
            expect: {status: [200, 201, 202]}
          - id: greet
            auth: none
            each: {file: data/users.csv}
            request: GET {{ base_url }}/status/200?email={{ item.email }}&n={{ index }}
            expect: {status: 200}
          - id: read
            each: "{{ create.id }}"
            request: GET {{ base_url }}/api/threads/{{ item }}
            expect: {status: 200, json: {$.id: "{{ item }}"}}
          - id: none-found
            request: GET {{ base_url }}/api/threads
            needs: [read]
            expect: {status: 200}
            capture: {ids: "$.threads[?@.title == 'nothing'].id"}
          - id: read-none
            each: "{{ none-found.ids }}"
            request: GET {{ base_url }}/api/threads/{{ item }}
            expect: {status: 200}
          - id: after-all
            request: GET {{ base_url }}/api/threads
            needs: [create]
            expect: {status: 200, json: {$.count: 2}}
        """)
        let (report, _) = try await demo.run([dir], server: server)
        await server.stop()
        let ids = report.results.map(\.caseID)
        XCTAssertEqual(ids, ["create[0]", "create[1]", "tiers[free]", "tiers[pro]", "tiers[2]", "greet[ada]", "greet[grace]",
                             "greet[linus]", "read[0]", "read[1]", "none-found", "read-none", "after-all"])
        let bad = report.results.filter { $0.outcome != .passed && $0.caseID != "read-none" }
        XCTAssertEqual(bad.map { "\($0.fullID): \($0.outcome) \($0.failures.map(\.message))" }, [])
        let none = try XCTUnwrap(report.results.first { $0.caseID == "read-none" })
        XCTAssertEqual(none.outcome, .skipped)
        XCTAssertEqual(none.reason, "each: none-found.ids is an empty list: 0 instances")
        XCTAssertEqual(report.exitCode, 0)
    }

    func testTeardownRunsAfterAFailedCaseAndDeletesWhatWasCreated() async throws {
        let server = try await demo.startServer()
        let dir = try writeSuite("""
        cases:
          - id: create
            request: {method: POST, url: "{{ base_url }}/api/threads", json: {title: torn-down}}
            expect: {status: 201}
            capture: {id: $.id}
          - id: use-fails
            needs: [create]
            retry: {attempts: 1}
            request: GET {{ base_url }}/api/threads/{{ create.id }}
            expect: {status: 418}
          - id: after-failure
            needs: [use-fails]
            request: GET {{ base_url }}/health
            expect: {status: 200}
            capture: {gone: $.x}
        teardown:
          - id: delete
            request: DELETE {{ base_url }}/api/threads/{{ create.id }}
            expect: {status: 204}
          - id: never-captured
            request: DELETE {{ base_url }}/api/threads/{{ after-failure.gone }}
            expect: {status: 204}
        """)
        let (report, _) = try await demo.run([dir], server: server)
        let remaining = try await threadIDs(on: server)
        await server.stop()
        XCTAssertEqual(report.results.map(\.caseID), ["create", "use-fails", "after-failure", "delete", "never-captured"])
        XCTAssertEqual(report.results.map(\.outcome), [.passed, .failed, .skipped, .passed, .skipped])
        let delete = report.results[3]
        XCTAssertTrue(delete.tags.contains("teardown"), "\(delete.tags)")
        XCTAssertEqual(report.results[4].reason, "capture after-failure.gone missing")
        XCTAssertEqual(remaining, [], "the teardown case deleted the thread at the server")
        XCTAssertEqual(report.exitCode, 1, "the failed case still fails the run")
    }

    /// A case that created something and then failed one of its checks still captured the id:
    /// its teardown deletes it. (Cases that need it are skipped as before: the capture is kept
    /// for teardown, it does not make a failed dependency pass.)
    func testTeardownDeletesWhatACaseCreatedBeforeItFailed() async throws {
        let server = try await demo.startServer()
        let dir = try writeSuite("""
        cases:
          - id: create-then-fail
            request: {method: POST, url: "{{ base_url }}/api/threads", json: {title: half-made}}
            expect: {status: 201, json: {$.title: something-else}}
            capture: {id: $.id}
          - id: use
            request: GET {{ base_url }}/api/threads/{{ create-then-fail.id }}
            expect: {status: 200}
        teardown:
          - id: delete
            request: DELETE {{ base_url }}/api/threads/{{ create-then-fail.id }}
            expect: {status: 204}
        """)
        let (report, _) = try await demo.run([dir], server: server)
        let remaining = try await threadIDs(on: server)
        await server.stop()
        XCTAssertEqual(report.results.map(\.outcome), [.failed, .skipped, .passed])
        XCTAssertEqual(remaining, [], "the teardown case deleted the thread the failed case created")
    }

    func testAFailingTeardownCountsLikeAnyCase() async throws {
        let server = try await demo.startServer()
        let dir = try writeSuite("""
        auth: none
        cases:
          - {id: ok, request: "GET {{ base_url }}/health", expect: {status: 200}}
        teardown:
          - {id: cleanup, retry: {attempts: 1}, request: "GET {{ base_url }}/status/500", expect: {status: 200}}
        """)
        let (report, _) = try await demo.run([dir], server: server)
        await server.stop()
        XCTAssertEqual(report.results.map(\.outcome), [.passed, .failed])
        XCTAssertEqual(report.exitCode, 1)
    }

    func testExtendsCasePassesWithTheTemplatesHeadersAndExpectations() async throws {
        let server = try await demo.startServer()
        let dir = try writeSuite("""
        cases:
          - id: me
            extends: [json-api, echo-header]
            request: {url: "{{ base_url }}/api/me"}
            expect: {status: 200}
          - id: template-expectation-fails
            extends: needs-html
            request: {url: "{{ base_url }}/api/me"}
            expect: {status: 200}
        """, extraSuite: """
          echo-header:
            request:
              headers: {X-Trace: from-template}
            expect:
              json: {$.sub: {exists: true}}
          needs-html:
            expect:
              headers: {Content-Type: {contains: text/html}}
        """)
        let (report, _) = try await demo.run([dir], server: server)
        await server.stop()
        XCTAssertEqual(report.results.map(\.outcome), [.passed, .failed])
        let failure = report.results[1].failures.map(\.message).joined()
        XCTAssertTrue(failure.contains("text/html"), failure)
        // The merged case really sends the template's headers.
        let loaded = SuiteLoader.load(paths: [dir])
        let me = try XCTUnwrap(loaded.plans.first?.cases.first)
        guard case .http(let spec) = me.kind else { return XCTFail("not http") }
        XCTAssertEqual(spec.headers.map(\.0).sorted(), ["Accept", "X-Trace"])
    }

    func testSelectionPicksInstancesAndKeepsTeardown() throws {
        let dir = try writeSuite("""
        auth: none
        cases:
          - id: a
            each: [{name: x}, {name: y}]
            request: GET {{ base_url }}/health
            expect: {status: 200}
          - {id: b, request: "GET {{ base_url }}/health", expect: {status: 200}}
        teardown:
          - {id: c, request: "GET {{ base_url }}/health", expect: {status: 200}}
        """)
        let vars = ["base_url": "http://127.0.0.1:1"]
        let picked = Lint.run(paths: [dir], options: CompileOptions(selection: Selection(filters: ["it/a[*]"]), cliVars: vars))
        let graph = try XCTUnwrap(picked.graph)
        XCTAssertEqual(graph.nodes.map(\.name), ["it/a[x]", "it/a[y]", "it/c"])
        let one = try XCTUnwrap(Lint.run(paths: [dir], options: CompileOptions(selection: Selection(filters: ["it/a[y]"]), cliVars: vars)).graph)
        XCTAssertEqual(one.nodes.filter(\.selected).map(\.name), ["it/a[y]"])
    }
}

/// The demo-server helpers of `DemoIntegrationTests`, usable from other test classes.
struct DemoHelpers {
    func startServer() async throws -> DemoServer {
        var config = DemoServerConfiguration(jwtSecret: DemoIntegrationTests.secret)
        config.issuer = "example-auth-service"
        config.agentStepDelay = .milliseconds(5)
        return try await DemoServer.start(config)
    }

    func run(_ paths: [String], server: DemoServer, selection: Selection = Selection()) async throws -> (RunReport, RunContext) {
        let vars = ["base_url": server.baseURL, "ws_url": server.webSocketURL]
        let result = Lint.run(paths: paths, options: CompileOptions(selection: selection, environment: "demo", cliVars: vars))
        XCTAssertEqual(result.diagnostics.filter { $0.severity == .error }.map(\.message), [])
        let graph = try XCTUnwrap(result.graph)
        var options = RunOptions()
        options.environment = [:]
        options.cliVars = vars
        options.seed = 7
        let http = AsyncHTTPTransport()
        let context = try RunContext(graph: graph, options: options, transport: http)
        let report = await Runner.run(context)
        await http.shutdown()
        return (report, context)
    }

    func writePlan(_ text: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rehearse-authoring-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try String(contentsOfFile: DemoIntegrationTests.repoPlans + "/rehearse.yaml", encoding: .utf8)
            .write(to: dir.appendingPathComponent("rehearse.yaml"), atomically: true, encoding: .utf8)
        try text.write(to: dir.appendingPathComponent("it.yaml"), atomically: true, encoding: .utf8)
        return dir.path
    }
}
