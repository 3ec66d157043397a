import AsyncHTTPClient
import DemoServer
import Foundation
import NIOCore
import NIOHTTP1

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
        let start = now()
        try await withThrowingTaskGroup(of: Void.self) { group in
            let counter = Counter(requests)
            for _ in 0..<concurrency {
                group.addTask {
                    while counter.take() {
                        let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
                        let body = try await response.body.collect(upTo: 1 << 20)
                        let doc = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]
                        precondition(response.status == .ok && doc?["status"] as? String == "healthy")
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = now() - start
        try await client.shutdown()
        return elapsed
    }

    static func run(cases: Int, jobs: Int, memoryCases: Int) async throws {
        var config = DemoServerConfiguration(jwtSecret: "bench")
        config.agentStepDelay = .milliseconds(1)
        let server = try await DemoServer.start(config)
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("rehearse").path
        let dir = NSTemporaryDirectory() + "rehearse-bench-run"
        try writeSuite(to: dir, cases: cases)
        _ = try await rawLoop(url: server.baseURL + "/health", requests: 200, concurrency: jobs)  // warm up
        var raw = Double.infinity, tool = Double.infinity, peak = 0.0
        for _ in 0..<3 {
            raw = min(raw, try await rawLoop(url: server.baseURL + "/health", requests: cases, concurrency: jobs))
            let r = runChild(exe, ["run", dir, "--var", "base_url=\(server.baseURL)", "--jobs", "\(jobs)", "--quiet"])
            precondition(r.status == 0, "the generated suite must pass (exit \(r.status))")
            tool = min(tool, r.seconds)
            peak = max(peak, r.peakMB)
        }
        let bigDir = NSTemporaryDirectory() + "rehearse-bench-run-big"
        try writeSuite(to: bigDir, cases: memoryCases)
        let big = runChild(exe, ["run", bigDir, "--var", "base_url=\(server.baseURL)", "--jobs", "\(jobs)", "--quiet"])
        await server.stop()
        print("run benchmark: \(cases) GET cases (status + one JSON assertion), --jobs \(jobs), best of 3, demo server in process")
        print(String(format: "  raw AsyncHTTPClient loop, %d workers     %.3f s   %6.0f req/s   (baseline)", jobs, raw, Double(cases) / raw))
        print(String(format: "  rehearse run (whole process)              %.3f s   %6.0f req/s   %.2fx baseline throughput",
                     tool, Double(cases) / tool, raw / tool))
        print(String(format: "  rehearse run peak memory                  %.0f MB", peak))
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
