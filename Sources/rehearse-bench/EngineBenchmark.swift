import Foundation
import RehearseCore

/// The engine's own cost per case: the run benchmark's suite against a transport that answers
/// from memory at once, so what is measured is scheduling, rendering, matching and results.
enum EngineBenchmark {
    struct CannedTransport: HTTPTransport {
        let body = Array(#"{"status":"healthy","uptime_seconds":12}"#.utf8)
        func send(_ request: HTTPRequestData) async throws(TransportError) -> HTTPResponseData {
            HTTPResponseData(status: 200, headers: [(name: "Content-Type", value: "application/json")], body: body,
                             duration: .microseconds(50))
        }
        func shutdown() async {}
    }

    static func run(cases: Int, jobs: Int, runs: Int) async throws {
        let dir = NSTemporaryDirectory() + "rehearse-bench-engine"
        try RunBenchmark.writeSuite(to: dir, cases: cases)
        let vars = ["base_url": "http://127.0.0.1:9"]
        let result = Lint.run(paths: [dir], options: CompileOptions(cliVars: vars))
        guard let graph = result.graph else { fatalError("the generated suite must compile") }
        var best = Double.infinity
        for _ in 0..<runs {
            var options = RunOptions()
            options.jobs = jobs
            options.cliVars = vars
            let context = try RunContext(graph: graph, options: options, transport: CannedTransport())
            let start = now()
            let report = await Runner.run(context)
            best = min(best, now() - start)
            precondition(report.exitCode == 0, "every case must pass")
        }
        print("engine benchmark: \(cases) cases, --jobs \(jobs), canned in-memory responses, best of \(runs)")
        print(String(format: "  %.3f s   %.1f µs per case", best, best / Double(cases) * 1e6))
    }
}
