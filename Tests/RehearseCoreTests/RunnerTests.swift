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

final class RunnerTests: XCTestCase {
    func testCapturesFlowAndDependentsOfFailuresAreSkipped() async throws {
        let graph = try EngineFixtures.graph(["p": """
        auth: none
        cases:
          - id: create
            request: {method: POST, url: "{{ base_url }}/things", json: {n: 1}}
            expect: {status: 201}
            capture: {id: $.id}
          - id: read
            request: GET {{ base_url }}/things/{{ create.id }}
            expect: {status: 200, json: {$.id: "{{ create.id }}"}}
          - id: broken
            request: GET {{ base_url }}/broken
            expect: {status: 200}
          - id: after-broken
            needs: [broken]
            request: GET {{ base_url }}/after
            expect: {status: 200}
          - id: after-after
            needs: [after-broken]
            request: GET {{ base_url }}/after2
            expect: {status: 200}
        """])
        let transport = FakeTransport { req, _ in
            switch req.url {
            case "http://api.test/things": return FakeTransport.json(201, #"{"id":"t-7"}"#)
            case "http://api.test/things/t-7": return FakeTransport.json(200, #"{"id":"t-7"}"#)
            default: return FakeTransport.json(500, "{}")
            }
        }
        let (report, _) = try await EngineFixtures.run(graph, transport: transport)
        XCTAssertEqual(report.outcome("create"), .passed)
        XCTAssertEqual(report.outcome("read"), .passed)
        XCTAssertEqual(report.outcome("broken"), .failed)
        XCTAssertEqual(report.outcome("after-broken"), .skipped)
        XCTAssertEqual(report.result("after-broken")?.reason, "dependency p/broken failed")
        XCTAssertEqual(report.result("after-after")?.reason, "dependency p/after-broken skipped")
        XCTAssertEqual(transport.count("/after"), 0, "a skipped case is never sent")
        XCTAssertEqual(report.exitCode, 1)
    }

    func testTransientStatusesAreRetriedWithBackoffAndCounted() async throws {
        let graph = try EngineFixtures.graph(["p": """
        auth: none
        cases:
          - id: flaky
            request: GET {{ base_url }}/flaky
            expect: {status: 200}
          - id: post-not-retried
            request: {method: POST, url: "{{ base_url }}/post"}
            expect: {status: 200}
          - id: assertion-not-retried
            request: GET {{ base_url }}/wrong
            expect: {status: 200, json: {$.ok: true}}
        """])
        let transport = FakeTransport { req, seen in
            if req.url.hasSuffix("/flaky") { return seen < 3 ? FakeTransport.json(503, "{}") : FakeTransport.json(200, "{}") }
            if req.url.hasSuffix("/post") { return FakeTransport.json(503, "{}") }
            return FakeTransport.json(200, #"{"ok":false}"#)
        }
        let clock = FakeClock()
        let (report, _) = try await EngineFixtures.run(graph, transport: transport, clock: clock)
        XCTAssertEqual(report.outcome("flaky"), .passed)
        XCTAssertEqual(report.result("flaky")?.attempts, 3)
        XCTAssertEqual(report.result("post-not-retried")?.attempts, 1, "POST that was sent is not retried")
        XCTAssertEqual(report.result("assertion-not-retried")?.attempts, 1)
        XCTAssertEqual(clock.sleeps, [.milliseconds(100), .milliseconds(200)], "exponential backoff without jitter")
    }

    func testConnectFailuresRetryEvenForPostAndRetryAfterIsHonoured() async throws {
        let graph = try EngineFixtures.graph(["p": """
        auth: none
        cases:
          - id: post
            request: {method: POST, url: "{{ base_url }}/p"}
            expect: {status: 201}
          - id: honours
            request: GET {{ base_url }}/ra
            expect: {status: 200}
        """])
        let transport = FakeTransport { req, seen throws(TransportError) in
            if req.url.hasSuffix("/p") {
                if seen == 1 { throw TransportError(.connect, "connection refused") }
                return FakeTransport.json(201, "{}")
            }
            return seen == 1 ? FakeTransport.json(503, "{}", headers: [("Retry-After", "7")]) : FakeTransport.json(200, "{}")
        }
        let clock = FakeClock()
        let (report, _) = try await EngineFixtures.run(graph, transport: transport, clock: clock) { $0.jobs = 1 }
        XCTAssertEqual(report.result("post")?.attempts, 2)
        XCTAssertEqual(report.outcome("post"), .passed)
        XCTAssertEqual(report.result("honours")?.attempts, 2)
        XCTAssertTrue(clock.sleeps.contains(.seconds(7)), "\(clock.sleeps)")
    }

    func testTimeoutsAreErroredAndXfailTurnsThemIntoExpectedFailures() async throws {
        let graph = try EngineFixtures.graph(["p": """
        auth: none
        cases:
          - id: slow
            retry: {attempts: 1}
            request: GET {{ base_url }}/slow
            expect: {status: 200}
          - id: known
            xfail: BUG-1
            retry: {attempts: 1}
            request: GET {{ base_url }}/slow
            expect: {status: 200}
          - id: fixed
            xfail: BUG-2
            request: GET {{ base_url }}/ok
            expect: {status: 200}
          - id: later
            skip: not today
            request: GET {{ base_url }}/ok
            expect: {status: 200}
        """])
        let transport = FakeTransport { req, _ throws(TransportError) in
            if req.url.hasSuffix("/slow") { throw TransportError(.timeout, "no response within 10s") }
            return FakeTransport.json(200, "{}")
        }
        let (report, _) = try await EngineFixtures.run(graph, transport: transport)
        XCTAssertEqual(report.outcome("slow"), .errored)
        XCTAssertEqual(report.result("slow")?.failures.first?.kind, .timeout)
        XCTAssertEqual(report.outcome("known"), .xfailed)
        XCTAssertEqual(report.outcome("fixed"), .xpassed)
        XCTAssertEqual(report.outcome("later"), .skipped)
        XCTAssertEqual(report.result("later")?.reason, "not today")
        XCTAssertEqual(report.exitCode, 1, "an xpassed case fails the run")
    }

    func testPollingRetriesAssertionsUntilTheyHold() async throws {
        let graph = try EngineFixtures.graph(["p": """
        auth: none
        cases:
          - id: job
            request: GET {{ base_url }}/job
            retry: {attempts: 5, interval: 250ms, until: {json: {$.state: ready}}}
            expect: {status: 200, json: {$.rows: 42}}
        """])
        let transport = FakeTransport { _, seen in
            FakeTransport.json(200, seen < 4 ? #"{"state":"pending"}"# : #"{"state":"ready","rows":42}"#)
        }
        let clock = FakeClock()
        let (report, _) = try await EngineFixtures.run(graph, transport: transport, clock: clock)
        XCTAssertEqual(report.outcome("job"), .passed)
        XCTAssertEqual(report.result("job")?.attempts, 4)
        XCTAssertEqual(clock.sleeps, Array(repeating: .milliseconds(250), count: 3))
    }

    /// Spec §7: a broken login is a red run, not a green one of skips.
    func testLoginRunsOnceForAllItsCasesAndItsFailureErrorsThem() async throws {
        let plan = """
        auth: session
        cases:
          - {id: a, request: "GET {{ base_url }}/a", expect: {status: 200}}
          - {id: b, request: "GET {{ base_url }}/b", expect: {status: 200}}
          - {id: c, request: "GET {{ base_url }}/c", expect: {status: 200}}
        """
        let graph = try EngineFixtures.graph(["p": plan])
        let good = FakeTransport { req, _ in
            if req.url.hasSuffix("/login") { return FakeTransport.json(200, #"{"token":"tok-123"}"#) }
            let auth = req.headers.first { $0.name == "Authorization" }?.value
            return FakeTransport.json(auth == "Bearer tok-123" ? 200 : 401, "{}")
        }
        let (report, _) = try await EngineFixtures.run(graph, transport: good)
        XCTAssertEqual(report.results.map(\.outcome), [.passed, .passed, .passed])
        XCTAssertEqual(good.count("/login"), 1, "one login shared by every case")

        let bad = FakeTransport { req, _ in FakeTransport.json(req.url.hasSuffix("/login") ? 401 : 200, "{}") }
        let (failed, _) = try await EngineFixtures.run(try EngineFixtures.graph(["p": plan]), transport: bad)
        XCTAssertEqual(failed.results.map(\.outcome), [.errored, .errored, .errored])
        XCTAssertEqual(failed.results[0].failures.map(\.kind), [.auth])
        let message = failed.results[0].failures.first?.message ?? ""
        XCTAssertTrue(message.hasPrefix("auth session failed: profile session: "), message)
        XCTAssertTrue(message.contains("401"), message)
        XCTAssertEqual(bad.count("/a"), 0)
        XCTAssertEqual(failed.exitCode, 1)
        // A case that needs an errored one is skipped, as for any failed dependency.
        let chained = try EngineFixtures.graph(["p": plan + "\n  - {id: d, needs: [a], auth: none, request: \"GET {{ base_url }}/d\", expect: {status: 200}}"])
        let (chain, _) = try await EngineFixtures.run(chained, transport: bad)
        XCTAssertEqual(chain.outcome("d"), .skipped)
        XCTAssertEqual(chain.result("d")?.reason, "dependency p/a failed")
    }

    func testFailFastStopsStartingCases() async throws {
        let graph = try EngineFixtures.graph(["p": """
        auth: none
        serial: true
        cases:
          - {id: one, request: "GET {{ base_url }}/1", expect: {status: 200}}
          - {id: two, request: "GET {{ base_url }}/2", expect: {status: 200}}
        """, "q": """
        auth: none
        cases:
          - {id: three, request: "GET {{ base_url }}/3", expect: {status: 200}}
        """])
        let transport = FakeTransport { _, _ in FakeTransport.json(500, "{}") }
        let (report, _) = try await EngineFixtures.run(graph, transport: transport) { $0.jobs = 1; $0.failFast = true }
        XCTAssertEqual(report.outcome("one"), .failed)
        XCTAssertEqual(transport.requests.count, 1)
        XCTAssertEqual(report.results.count, 3, "every selected case is accounted for")
    }

    func testJobsBoundConcurrencyAndOneTemplateKeepsItsType() async throws {
        let graph = try EngineFixtures.graph(["p": """
        auth: none
        vars: {count: 3}
        cases:
          - id: typed
            request: {method: POST, url: "{{ base_url }}/echo", json: {n: "{{ count }}", s: "n={{ count }}"}}
            expect: {status: 200}
        """])
        let transport = FakeTransport { _, _ in FakeTransport.json(200, "{}") }
        _ = try await EngineFixtures.run(graph, transport: transport)
        let body = try JSONValue.parse(Data(try XCTUnwrap(transport.requests.first?.body)))
        XCTAssertEqual(body, ["n": 3, "s": "n=3"])
        XCTAssertEqual(transport.requests.first?.headers.first { $0.name == "Content-Type" }?.value, "application/json")
    }
}

final class VarRenderingTests: XCTestCase {
    /// Vars may use each other in any order and across levels, as lint accepts.
    func testVarsReferToEachOtherInAnyOrder() async throws {
        let suite = """
        version: 1
        default_env: e
        environments:
          e:
            vars: {api: "{{ base_url }}/v2", base_url: "http://api.test"}
        vars: {health: "{{ api }}/health"}
        """
        let graph = try EngineFixtures.graph(["p": """
        auth: none
        vars: {url: "{{ path }}?x=1", path: "{{ health }}"}
        cases:
          - {id: h, request: "GET {{ url }}", expect: {status: 200}}
        """], suite: suite)
        let transport = FakeTransport { _, _ in FakeTransport.json(200, "{}") }
        let (report, _) = try await EngineFixtures.run(graph, transport: transport)
        XCTAssertEqual(report.outcome("h"), .passed)
        XCTAssertEqual(transport.requests.first?.url, "http://api.test/v2/health?x=1")
    }
}
