import Foundation
import Rehearse
import RehearseModel
import RehearseParser
import RehearseCompiler
import RehearseResults
import RehearseRuntime
import RehearseTransportNIO

/// The engine's own cost per case: the run benchmark's suite against a transport that answers
/// from memory at once, so what is measured is scheduling, rendering, matching and results.
enum EngineBenchmark {
    struct CannedTransport: HTTPTransport {
        let body = Array(#"{"status":"healthy","uptime_seconds":12}"#.utf8)
        /// Suspends once, as a real exchange does, so that the engine's resumption costs count.
        let suspends: Bool
        func send(_ request: HTTPRequestData) async throws(TransportError) -> HTTPResponseData {
            if suspends { await Task.yield() }
            return HTTPResponseData(status: 200, headers: [(name: "Content-Type", value: "application/json")], body: body,
                             duration: .microseconds(50))
        }
        func shutdown() async {}
    }

    /// One run of the whole engine over the real network: the run benchmark's suite against `baseURL`.
    static func engineLoop(baseURL: String, cases: Int, jobs: Int) async throws -> Double {
        let dir = NSTemporaryDirectory() + "rehearse-bench-engine-net"
        try RunBenchmark.writeSuite(to: dir, cases: cases)
        let vars = ["base_url": baseURL]
        guard let graph = Lint.run(paths: [dir], options: CompileOptions(cliVars: vars)).graph else { fatalError("compile") }
        var options = RunOptions()
        options.jobs = jobs
        options.cliVars = vars
        let transport = AsyncHTTPTransport()
        let context = try RunContext(graph: graph, options: options, transport: transport)
        let start = now()
        let report = await Runner.run(context)
        let elapsed = now() - start
        await transport.shutdown()
        precondition(report.exitCode == 0, "every case must pass")
        return elapsed
    }

    static func run(cases: Int, jobs: Int, runs: Int) async throws {
        let dir = NSTemporaryDirectory() + "rehearse-bench-engine"
        try RunBenchmark.writeSuite(to: dir, cases: cases)
        let vars = ["base_url": "http://127.0.0.1:9"]
        let result = Lint.run(paths: [dir], options: CompileOptions(cliVars: vars))
        guard let graph = result.graph else { fatalError("the generated suite must compile") }
        var best = [Double.infinity, Double.infinity]
        for _ in 0..<runs {
            var options = RunOptions()
            options.jobs = jobs
            options.cliVars = vars
            for suspends in [false, true] {
                let context = try RunContext(graph: graph, options: options, transport: CannedTransport(suspends: suspends))
                let start = now()
                let report = await Runner.run(context)
                best[suspends ? 1 : 0] = min(best[suspends ? 1 : 0], now() - start)
                precondition(report.exitCode == 0, "every case must pass")
            }
        }
        print("engine benchmark: \(cases) cases, --jobs \(jobs), canned in-memory responses, best of \(runs)")
        print(String(format: "  answered at once          %.3f s   %.1f µs per case", best[0], best[0] / Double(cases) * 1e6))
        print(String(format: "  suspending once per send  %.3f s   %.1f µs per case", best[1], best[1] / Double(cases) * 1e6))
    }
}
