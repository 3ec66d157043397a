import DemoServer
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

/// Real plans against the demo server in process, over real sockets.
final class DemoIntegrationTests: XCTestCase {
    static let secret = "dev-only-secret"

    func startServer(secret: String = secret) async throws -> DemoServer {
        var config = DemoServerConfiguration(jwtSecret: secret)
        config.issuer = "example-auth-service"
        config.agentStepDelay = .milliseconds(5)
        return try await DemoServer.start(config)
    }

    func run(_ paths: [String], server: DemoServer, environment: [String: String] = [:], selection: Selection = Selection(),
             transport: (any HTTPTransport)? = nil) async throws -> (RunReport, RunContext) {
        let vars = ["base_url": server.baseURL, "ws_url": server.webSocketURL]
        let result = Lint.run(paths: paths, options: CompileOptions(selection: selection, environment: "demo", cliVars: vars))
        XCTAssertEqual(result.diagnostics.map(\.message), [])
        let graph = try XCTUnwrap(result.graph)
        var options = RunOptions()
        options.environment = environment
        options.cliVars = vars
        options.seed = 7
        let http = transport ?? AsyncHTTPTransport()
        let context = try RunContext(graph: graph, options: options, transport: http)
        let report = await Runner.run(context)
        await http.shutdown()
        return (report, context)
    }

    static let repoPlans = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("plans").path

    /// What `rehearse demo` shows: everything passes except the cases marked xfail.
    func testExampleSuitePassesAgainstTheDemoServer() async throws {
        let server = try await startServer()
        let (report, _) = try await run([Self.repoPlans], server: server, selection: Selection(excludeTags: ["websocket"]))
        await server.stop()
        let bad = report.results.filter { [.failed, .errored, .xpassed].contains($0.outcome) }
        XCTAssertEqual(bad.map { "\($0.fullID): \($0.failures.map(\.message))" }, [])
        XCTAssertGreaterThanOrEqual(report.count(.xfailed), 2)
        XCTAssertEqual(report.exitCode, 0)
        XCTAssertEqual(report.result("flaky-recovers")?.attempts, 3, "two 503s retried by the suite policy")
        XCTAssertEqual(report.result("job-completes")?.attempts, 4, "polled until ready")
    }

    func writePlan(_ text: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rehearse-it-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try String(contentsOfFile: Self.repoPlans + "/rehearse.yaml", encoding: .utf8)
            .write(to: dir.appendingPathComponent("rehearse.yaml"), atomically: true, encoding: .utf8)
        try text.write(to: dir.appendingPathComponent("it.yaml"), atomically: true, encoding: .utf8)
        return dir.path
    }

    /// Every outcome class against a real server: what the spec says, including attempts.
    func testOutcomesOverRealSockets() async throws {
        let server = try await startServer()
        let dir = try writePlan("""
        auth: none
        cases:
          - {id: ok, request: "GET {{ base_url }}/health", expect: {status: 200}}
          - {id: wrong-status, request: "GET {{ base_url }}/status/404", retry: {attempts: 1}, expect: {status: 200}}
          - {id: refused-is-pass, auth: staging-jwt, request: "GET {{ base_url }}/api/admin/stats", expect: {status: 403}}
          - id: reset
            retry: {attempts: 2}
            request: GET {{ base_url }}/reset
            expect: {status: 200}
          - id: times-out
            timeout: 200ms
            retry: {attempts: 1}
            request: GET {{ base_url }}/slow?ms=3000
            expect: {status: 200}
          - id: not-json
            request: GET {{ base_url }}/not-json
            expect: {json: {$.a: 1}}
          - {id: after-failure, needs: [wrong-status], request: "GET {{ base_url }}/health", expect: {status: 200}}
          - id: closed-port
            retry: {attempts: 2, backoff: {initial: 10ms}}
            request: GET http://127.0.0.1:9/nothing
            expect: {status: 200}
        """)
        let (report, _) = try await run([dir], server: server)
        await server.stop()
        XCTAssertEqual(report.outcome("ok"), .passed)
        XCTAssertEqual(report.outcome("wrong-status"), .failed)
        XCTAssertEqual(report.result("wrong-status")?.failures.first?.message, "status: expected 200, got 404")
        XCTAssertEqual(report.outcome("refused-is-pass"), .passed)
        XCTAssertEqual(report.outcome("reset"), .errored)
        XCTAssertEqual(report.result("reset")?.attempts, 2, "a reset GET is retried under `connect`")
        XCTAssertEqual(report.outcome("times-out"), .errored)
        XCTAssertEqual(report.result("times-out")?.failures.first?.kind, .timeout)
        XCTAssertLessThan(try XCTUnwrap(report.result("times-out")).duration, .seconds(2), "the timeout bounds the wait")
        XCTAssertEqual(report.outcome("not-json"), .failed)
        XCTAssertTrue(report.result("not-json")?.failures.first?.message.contains("not JSON") == true)
        XCTAssertEqual(report.outcome("after-failure"), .skipped)
        XCTAssertEqual(report.outcome("closed-port"), .errored)
        XCTAssertEqual(report.result("closed-port")?.attempts, 2)
        XCTAssertEqual(report.result("closed-port")?.failures.first?.kind, .transport)
    }

    /// Faults a staging server produces, each with its exact result class and detail (issue 7).
    func testFaultsEndWithTheRightResultAndNeverHang() async throws {
        let server = try await startServer()
        let dir = try writePlan("""
        auth: none
        cases:
          - id: burst-503
            retry: {attempts: 4, backoff: {initial: 10ms, max: 50ms, factor: 2, jitter: false}, on: [503]}
            request: GET {{ base_url }}/flaky/burst-{{ random_hex(6) }}?fail=3
            expect: {status: 200, json: {$.attempts: 4}}
          - id: burst-503-retry-after
            retry: {attempts: 2, on: [503]}
            request: GET {{ base_url }}/flaky/ra-{{ random_hex(6) }}?fail=1&retry_after=1
            expect: {status: 200}
          - id: burst-longer-than-policy
            retry: {attempts: 2, backoff: {initial: 10ms}, on: [503]}
            request: GET {{ base_url }}/flaky/long-{{ random_hex(6) }}?fail=5
            expect: {status: 200}
          - id: fifty-megabytes
            retry: {attempts: 1}
            request: GET {{ base_url }}/large?bytes=52428800
            expect: {status: 200}
        """)
        let started = ContinuousClock.now
        let (report, _) = try await run([dir], server: server)
        await server.stop()
        XCTAssertEqual(report.outcome("burst-503"), .passed)
        XCTAssertEqual(report.result("burst-503")?.attempts, 4)
        XCTAssertEqual(report.outcome("burst-503-retry-after"), .passed)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(report.result("burst-503-retry-after")).duration, .milliseconds(900),
                                    "Retry-After: 1 is waited for")
        XCTAssertEqual(report.outcome("burst-longer-than-policy"), .failed)
        XCTAssertEqual(report.result("burst-longer-than-policy")?.failures.first?.message, "status: expected 200, got 503")
        XCTAssertEqual(report.result("burst-longer-than-policy")?.attempts, 2)
        XCTAssertEqual(report.outcome("fifty-megabytes"), .errored)
        XCTAssertTrue(report.result("fifty-megabytes")?.failures.first?.message.contains("cap") == true,
                      report.result("fifty-megabytes")?.failures.first?.message ?? "")
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(15), "nothing hangs")
    }

    /// Failing cases that echo credentials back: no secret, password or token in anything written.
    func testSecretsNeverAppearInOutputOrReports() async throws {
        let secret = "s3cr3t-signing-key-5551"
        let server = try await startServer(secret: secret)
        let dir = try writePlan("""
        cases:
          - id: jwt-echo
            auth: staging-jwt
            request: {method: POST, url: "{{ base_url }}/echo", json: {note: "{{ env.API_TOKEN }}"}}
            expect: {status: 500, body: {contains: nothing-like-this}}
          - id: malformed-still-fine
            auth: {use: staging-jwt, mode: expired}
            request: GET {{ base_url }}/echo
            expect: {status: 201}
          - id: header-echo
            auth: none
            request:
              method: GET
              url: "{{ base_url }}/echo"
              headers: {X-Api-Key: "{{ env.API_TOKEN }}"}
            expect: {json: {$.headers.x-api-key: not-the-token}}
        """)
        let recorder = RecordingTransport(AsyncHTTPTransport())
        let env = ["JWT_SECRET_KEY": secret, "API_TOKEN": "tok-live-0f9e8d7c"]
        let (report, context) = try await run([dir], server: server, environment: env, transport: recorder)
        await server.stop()
        XCTAssertEqual(report.results.map(\.outcome), [.failed, .failed, .failed])
        // Everything the tool writes for people and machines.
        let console = ConsoleReporter(live: false, color: false, verbosity: .verbose) { _ in }
        var written = console.finalText(report, exitCode: report.exitCode)
        for r in report.results { written += console.caseLine(r) }
        for format in ReportFormat.allCases { written += ReportWriter.render(format, report, masker: context.masker) }
        // The secrets: the signing key, the env token, and every credential the server saw.
        var secrets = [secret, "tok-live-0f9e8d7c"]
        for body in recorder.bodies {
            if let doc = try? JSONValue.parse(body), let auth = doc["headers"]?["authorization"]?.stringValue {
                secrets.append(String(auth.dropFirst("Bearer ".count)))
            }
        }
        XCTAssertGreaterThanOrEqual(secrets.count, 4, "the server echoed the minted tokens back")
        for s in secrets {
            XCTAssertFalse(written.contains(s), "a secret leaked into the output: \(s.prefix(12))…")
        }
        XCTAssertTrue(written.contains("***"), "masked values are shown as ***")
    }
}

/// Wraps a transport and keeps every response body (to learn which tokens the server saw).
final class RecordingTransport: HTTPTransport, @unchecked Sendable {
    let inner: any HTTPTransport
    private let log = Mutex<[Data]>([])
    init(_ inner: any HTTPTransport) { self.inner = inner }
    func send(_ request: HTTPRequestData) async throws(TransportError) -> HTTPResponseData {
        let r = try await inner.send(request)
        log.withLock { $0.append(Data(r.body)) }
        return r
    }
    func shutdown() async { await inner.shutdown() }
    var bodies: [Data] { log.withLock { $0 } }
}
