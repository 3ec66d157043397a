import Foundation
import Synchronization
import XCTest

@testable import RehearseModel
@testable import RehearseCompiler
@testable import RehearseResults
@testable import RehearseRuntime

/// What the scheduler promises an observer: every case once, `done` counting up by one, one call
/// at a time, and no scheduler lock held while it runs.
final class RunObserverTests: XCTestCase {
    /// An observer that records each call, is slow on every call, and on its first call waits
    /// until the run has sent `waitFor` requests: only possible if the workers can go on without it.
    final class Recorder: RunObserver {
        struct State {
            var calls: [(id: String, done: Int, total: Int)] = []
            var inside = 0
            var overlapped = false
            var waitedFor: Bool?
        }
        let state = Mutex(State())
        let transport: FakeTransport
        let waitFor: Int

        init(transport: FakeTransport, waitFor: Int) {
            self.transport = transport
            self.waitFor = waitFor
        }

        func runStarted(total: Int) {}

        func caseFinished(_ result: CaseResult, done: Int, total: Int) {
            let first = state.withLock { s -> Bool in
                s.inside += 1
                if s.inside > 1 { s.overlapped = true }
                s.calls.append((result.fullID, done, total))
                return s.calls.count == 1
            }
            if first {
                let deadline = Date().addingTimeInterval(10)
                while transport.requests.count < waitFor && Date() < deadline { usleep(1_000) }
                let reached = transport.requests.count >= waitFor
                state.withLock { $0.waitedFor = reached }
            } else {
                usleep(2_000)
            }
            state.withLock { $0.inside -= 1 }
        }
    }

    func testObserverRunsOutsideTheLockInDoneOrder() async throws {
        var cases = (1...10).map { "  - {id: c\($0), request: \"GET {{ base_url }}/ok/\($0)\", expect: {status: 200}}" }
        cases += [
            "  - {id: broken, request: \"GET {{ base_url }}/broken\", expect: {status: 200}}",
            "  - {id: after, needs: [broken], request: \"GET {{ base_url }}/after\", expect: {status: 200}}",
            "  - {id: after2, needs: [after], request: \"GET {{ base_url }}/after2\", expect: {status: 200}}",
        ]
        let graph = try EngineFixtures.graph(["p": "auth: none\ncases:\n" + cases.joined(separator: "\n") + "\n"])
        let transport = FakeTransport { req, _ in
            req.url.hasSuffix("/broken") ? FakeTransport.json(500, "{}") : FakeTransport.json(200, "{}")
        }
        // Eleven cases are sent; the two after `broken` are skipped without a request.
        let observer = Recorder(transport: transport, waitFor: 11)
        var options = RunOptions()
        options.seed = 42
        options.jobs = 4
        let context = try RunContext(graph: graph, options: options, transport: transport, webSocket: nil,
                                     clock: FakeClock())
        let report = await Runner.run(context, observer: observer)

        let s = observer.state.withLock { $0 }
        XCTAssertEqual(s.waitedFor, true, "while the observer was busy the other workers were blocked: it ran under the lock")
        XCTAssertEqual(s.calls.map(\.done), Array(1...13), "done counts up by one in the order the observer sees")
        XCTAssertEqual(Set(s.calls.map(\.total)), [13])
        XCTAssertEqual(s.calls.map(\.id).sorted(), report.results.map(\.fullID).sorted(), "every case is reported once")
        XCTAssertFalse(s.overlapped, "observer calls never overlap")
        XCTAssertEqual(report.outcome("after2"), .skipped)
        XCTAssertEqual(transport.requests.count, 11)
    }
}
