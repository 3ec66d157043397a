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

/// A clock that never sleeps: it records the waits asked of it and moves its own time forward.
final class FakeClock: RunClock, @unchecked Sendable {
    private let state = Mutex<(now: Date, sleeps: [Duration])>((Date(timeIntervalSince1970: 1_800_000_000), []))
    let base = ContinuousClock.now

    func now() -> Date { state.withLock { $0.now } }
    func instant() -> ContinuousClock.Instant { base }
    func sleep(for duration: Duration) async throws {
        state.withLock { $0.sleeps.append(duration); $0.now += duration.seconds }
    }
    var sleeps: [Duration] { state.withLock { $0.sleeps } }
}

/// A transport answering from a script: a function of the request and how often its URL was seen.
final class FakeTransport: HTTPTransport, @unchecked Sendable {
    typealias Handler = @Sendable (HTTPRequestData, Int) throws(TransportError) -> HTTPResponseData
    private let handler: Handler
    private let log = Mutex<[HTTPRequestData]>([])

    init(_ handler: @escaping Handler) { self.handler = handler }

    func send(_ request: HTTPRequestData) async throws(TransportError) -> HTTPResponseData {
        let seen = log.withLock { l -> Int in
            l.append(request)
            return l.filter { $0.url == request.url && $0.method == request.method }.count
        }
        return try handler(request, seen)
    }

    func shutdown() async {}

    var requests: [HTTPRequestData] { log.withLock { $0 } }
    func count(_ path: String) -> Int { requests.filter { $0.url.hasSuffix(path) || $0.url.contains(path + "?") }.count }

    static func json(_ status: Int, _ body: String, headers: [(name: String, value: String)] = []) -> HTTPResponseData {
        HTTPResponseData(status: status, headers: [("Content-Type", "application/json")] + headers, body: Array(body.utf8),
                         duration: .milliseconds(5))
    }
}

enum EngineFixtures {
    static let suite = """
    version: 1
    vars: {base_url: "http://api.test"}
    defaults:
      retry: {attempts: 3, backoff: {initial: 100ms, max: 1s, factor: 2, jitter: false}, on: [connect, timeout, 503]}
    auth:
      jwt:
        jwt: {secret_env: [JWT_SECRET], secret_default: dev-secret, claims: {sub: e2e}}
      session:
        login:
          request: {method: POST, url: "{{ base_url }}/login", json: {user: u}}
          token: $.token
    """

    /// Compiles in-memory plans (`id → YAML`) with the fixture suite; fails the test on diagnostics.
    static func graph(_ plans: [String: String], suite: String = suite, options: CompileOptions = CompileOptions(),
                      file: StaticString = #filePath, line: UInt = #line) throws -> ExecutableGraph {
        let (s, sd) = SuiteLoader.parseSuite(Array(suite.utf8), path: "rehearse.yaml")
        var parsed: [Plan] = []
        var diagnostics = sd
        for (id, text) in plans.sorted(by: { $0.key < $1.key }) {
            let (plan, d) = SuiteLoader.parsePlan(Array(text.utf8), id: id, path: "\(id).yaml")
            diagnostics += d
            if let plan { parsed.append(plan) }
        }
        let loaded = LoadedSuite(root: ".", suite: s, plans: parsed, diagnostics: diagnostics, sources: [:])
        let (graph, cd) = Compiler.compile(loaded, options: options)
        XCTAssertEqual((diagnostics + cd).map(\.message), [], file: file, line: line)
        return try XCTUnwrap(graph, file: file, line: line)
    }

    static func run(_ graph: ExecutableGraph, transport: FakeTransport, webSocket: FakeWebSocketTransport? = nil,
                    clock: FakeClock = FakeClock(), environment: [String: String] = [:],
                    configure: (inout RunOptions) -> Void = { _ in }) async throws
        -> (RunReport, RunContext)
    {
        var options = RunOptions()
        options.seed = 42
        options.environment = environment
        configure(&options)
        let context = try RunContext(graph: graph, options: options, transport: transport, webSocket: webSocket, clock: clock)
        return (await Runner.run(context), context)
    }
}

extension RunReport {
    func result(_ id: String) -> CaseResult? { results.first { $0.fullID == id || $0.caseID == id } }
    func outcome(_ id: String) -> Outcome? { result(id)?.outcome }
}
