import AsyncHTTPClient
import DemoServer
import Foundation
import NIOCore
import NIOHTTP1
import Rehearse
import RehearseModel
import RehearseParser
import RehearseCompiler
import RehearseResults
import RehearseRuntime
import RehearseTransportNIO

/// `rehearse run` throughput against a raw AsyncHTTPClient loop doing the same requests with the
/// same concurrency, both against the demo server in this process.
enum RunBenchmark {
    static func writeSuite(to dir: String, cases: Int, perPlan: Int = 20) throws {
        let fm = FileManager.default
        try? fm.removeItem(atPath: dir)
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "version: 1\nvars: {base_url: \"http://127.0.0.1:1\"}\n".write(toFile: dir + "/rehearse.yaml", atomically: true, encoding: .utf8)
        var written = 0, plan = 0
        while written < cases {
            var text = "auth: none\ncases:\n"
            for c in 0..<min(perPlan, cases - written) {
                text += "  - {id: get-\(c), request: \"GET {{ base_url }}/health\", expect: {status: 200, json: {$.status: healthy}}}\n"
            }
            written += min(perPlan, cases - written)
            try text.write(toFile: dir + "/plan-\(plan).yaml", atomically: false, encoding: .utf8)
            plan += 1
        }
    }

    /// The baseline: `concurrency` workers sending GET /health and checking the same JSON field.
    static func rawLoop(url: String, requests: Int, concurrency: Int) async throws -> Double {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let elapsed = try await timedWorkers(requests: requests, concurrency: concurrency) {
            let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 1 << 20)
            let doc = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]
            precondition(response.status == .ok && doc?["status"] as? String == "healthy")
        }
        try await client.shutdown()
        return elapsed
    }

    /// The same loop through rehearse's own transport: what the transport costs over AHC's async API.
    static func transportLoop(url: String, requests: Int, concurrency: Int) async throws -> Double {
        let transport = AsyncHTTPTransport()
        let elapsed = try await timedWorkers(requests: requests, concurrency: concurrency) {
            let response = try await transport.send(HTTPRequestData(method: "GET", url: url))
            let doc = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
            precondition(response.status == 200 && doc?["status"] as? String == "healthy")
        }
        await transport.shutdown()
        return elapsed
    }

    /// `concurrency` workers taking turns at `requests` calls of `request`; seconds from the first to
    /// the last.
    static func timedWorkers(requests: Int, concurrency: Int, _ request: @escaping @Sendable () async throws -> Void)
        async throws -> Double
    {
        let start = now()
        try await withThrowingTaskGroup(of: Void.self) { group in
            let counter = Counter(requests)
            for _ in 0..<concurrency {
                group.addTask {
                    while counter.take() { try await request() }
                }
            }
            try await group.waitForAll()
        }
        return now() - start
    }

    /// The baseline is the raw loop run the way `rehearse run` is: as its own process against the
    /// server in this one, timed whole (start-up, connections, every request, exit). The same loop
    /// is also timed inside this process, where it shares the server's event loops and pays no
    /// start-up: a stricter figure, printed beside it. Runs alternate so that a slow moment of the
    /// machine hits all three, and medians keep one lucky run from deciding the ratio.
    static func run(cases: Int, jobs: Int, memoryCases: Int, runs: Int) async throws {
        var config = DemoServerConfiguration(jwtSecret: "bench")
        config.agentStepDelay = .milliseconds(1)
        let server = try await DemoServer.start(config)
        let here = URL(fileURLWithPath: CommandLine.arguments[0])
        let exe = here.deletingLastPathComponent().appendingPathComponent("rehearse").path
        let dir = NSTemporaryDirectory() + "rehearse-bench-run"
        try writeSuite(to: dir, cases: cases)
        let url = server.baseURL + "/health"
        _ = try await rawLoop(url: url, requests: 200, concurrency: jobs)  // warm up
        var rawProcess: [Double] = [], rawInProcess: [Double] = [], tool: [Double] = [], peak = 0.0
        for _ in 0..<runs {
            let r = runChild(here.path, ["raw", url, "\(cases)", "\(jobs)"])
            precondition(r.status == 0, "the raw loop must succeed (exit \(r.status))")
            rawProcess.append(r.seconds)
            let t = runChild(exe, ["run", dir, "--var", "base_url=\(server.baseURL)", "--jobs", "\(jobs)", "--quiet"])
            precondition(t.status == 0, "the generated suite must pass (exit \(t.status))")
            tool.append(t.seconds)
            peak = max(peak, t.peakMB)
            rawInProcess.append(try await rawLoop(url: url, requests: cases, concurrency: jobs))
        }
        let bigDir = NSTemporaryDirectory() + "rehearse-bench-run-big"
        try writeSuite(to: bigDir, cases: memoryCases)
        let big = runChild(exe, ["run", bigDir, "--var", "base_url=\(server.baseURL)", "--jobs", "\(jobs)", "--quiet"])
        await server.stop()
        // Medians: one lucky or unlucky run of either side does not move the ratio.
        func median(_ xs: [Double]) -> Double {
            let s = xs.sorted()
            return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
        }
        let (base, own, mine) = (median(rawInProcess), median(rawProcess), median(tool))
        func rate(_ s: Double) -> Double { Double(cases) / s }
        print("run benchmark: \(cases) GET cases (status + one JSON assertion), --jobs \(jobs), median of \(runs) alternating runs,")
        print("  demo server in the bench process; fastest run in brackets")
        print(String(format: "  raw AsyncHTTPClient loop, %d workers, own process (whole)    %.3f s  [%.3f]  %6.0f req/s   (baseline)",
                     jobs, own, rawProcess.min()!, rate(own)))
        print(String(format: "  the same loop inside the bench process (strict)             %.3f s  [%.3f]  %6.0f req/s",
                     base, rawInProcess.min()!, rate(base)))
        print(String(format: "  rehearse run (whole process)                                %.3f s  [%.3f]  %6.0f req/s   %.2fx baseline throughput (%.2fx the strict loop)",
                     mine, tool.min()!, rate(mine), own / mine, base / mine))
        print(String(format: "  rehearse run peak memory                                    %.0f MB", peak))
        print(String(format: "  %d cases: %.2f s, peak memory %.0f MB, exit %d", memoryCases, big.seconds, big.peakMB, big.status))
    }
}

/// Hands out a fixed number of request slots to the workers.
final class Counter: @unchecked Sendable {
    private var left: Int
    private let lock = NSLock()
    init(_ n: Int) { left = n }
    func take() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard left > 0 else { return false }
        left -= 1
        return true
    }
}
