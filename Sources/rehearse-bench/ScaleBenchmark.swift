import DemoServer
import Foundation
import Rehearse
import RehearseModel
import RehearseParser
import RehearseCompiler
import RehearseResults
import RehearseRuntime
import RehearseTransportNIO

/// Issue 7's scale check: 500 plans × 20 cases, each case needing the one before it (500 chains of
/// 20), against a server that takes 20 ms per request, run with --jobs 64. Every result must be
/// accounted for; the wall time is compared with the critical-path bound of the graph.
enum ScaleBenchmark {
    static func run(plans: Int, perPlan: Int, jobs: Int, latencyMS: Int) async throws {
        let server = try await DemoServer.start(DemoServerConfiguration(jwtSecret: "bench"))
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("rehearse").path
        let dir = NSTemporaryDirectory() + "rehearse-bench-scale"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "version: 1\nvars: {base_url: \"http://127.0.0.1:1\"}\n".write(toFile: dir + "/rehearse.yaml", atomically: true, encoding: .utf8)
        for p in 0..<plans {
            var text = "auth: none\ncases:\n"
            for c in 0..<perPlan {
                text += "  - id: step-\(c)\n"
                if c > 0 { text += "    needs: [step-\(c - 1)]\n" }
                text += "    request: GET {{ base_url }}/slow?ms=\(latencyMS)\n    expect: {status: 200, json: {$.slept_ms: \(latencyMS)}}\n"
            }
            try text.write(toFile: dir + "/plan-\(p).yaml", atomically: false, encoding: .utf8)
        }
        let report = NSTemporaryDirectory() + "rehearse-bench-scale.json"
        let r = runChild(exe, ["run", dir, "--var", "base_url=\(server.baseURL)", "--jobs", "\(jobs)", "--quiet",
                               "--report", "json:\(report)"])
        await server.stop()
        let doc = try JSONValue.parse(try Data(contentsOf: URL(fileURLWithPath: report)))
        guard case .array(let results)? = doc["results"] else { fatalError("no results in the report") }
        let passed = results.filter { $0["outcome"] == .string("passed") }.count
        let total = plans * perPlan
        let latency = Double(latencyMS) / 1000
        // Lower bound: the longest chain, or all the waiting spread over `jobs` slots.
        let bound = max(Double(perPlan) * latency, Double(total) * latency / Double(jobs))
        print("scale benchmark: \(plans) plans x \(perPlan) cases in chains, \(latencyMS) ms per request, --jobs \(jobs)")
        print("  results in the report      \(results.count) of \(total), \(passed) passed, exit \(r.status)")
        print(String(format: "  critical-path bound        %.2f s", bound))
        print(String(format: "  rehearse run, whole process %.2f s   %.2fx the bound", r.seconds, r.seconds / bound))
        print(String(format: "  peak memory                %.0f MB", r.peakMB))
    }
}
