import DemoServer
import Foundation
import RehearseModel

/// Issue 16's scale check: one case with `each` over a 10,000-row CSV (plus a dependent case and
/// a teardown case). Lint time is compared with the lint of the same suite whose CSV has one row
/// (process start, loading, compiling: everything but the instances), measured in the same run;
/// the run goes against the in-process demo server and reports peak memory.
enum EachBenchmark {
    static func write(_ dir: String, rows: Int) throws {
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        try "version: 1\nvars: {base_url: \"http://127.0.0.1:1\"}\n".write(toFile: dir + "/rehearse.yaml", atomically: true, encoding: .utf8)
        var csv = "name,code,email\n"
        csv.reserveCapacity(rows * 40)
        for i in 0..<rows { csv += "user-\(i),200,user\(i)@example.com\n" }
        try csv.write(toFile: dir + "/data/users.csv", atomically: false, encoding: .utf8)
        try """
        auth: none
        cases:
          - id: per-user
            each: {file: data/users.csv}
            request: GET {{ base_url }}/status/{{ item.code }}?user={{ item.name }}&n={{ index }}
            expect: {status: 200}
          - id: after-all
            needs: [per-user]
            request: GET {{ base_url }}/health
            expect: {status: 200}
        teardown:
          - id: cleanup
            request: GET {{ base_url }}/health
            expect: {status: 200}

        """.write(toFile: dir + "/each.yaml", atomically: false, encoding: .utf8)
    }

    static func run(rows: Int, jobs: Int, runs: Int) async throws {
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("rehearse").path
        guard FileManager.default.isExecutableFile(atPath: exe) else { fatalError("build the rehearse product first: \(exe)") }
        let small = NSTemporaryDirectory() + "rehearse-bench-each-1", big = NSTemporaryDirectory() + "rehearse-bench-each"
        try write(small, rows: 1)
        try write(big, rows: rows)
        var base = Double.infinity, lint = Double.infinity, lintPeak = 0.0
        for _ in 0..<runs {
            let b = runChild(exe, ["lint", small])
            precondition(b.status == 0, "the one-row suite must lint clean (exit \(b.status))")
            base = min(base, b.seconds)
            let l = runChild(exe, ["lint", big])
            precondition(l.status == 0, "the \(rows)-row suite must lint clean (exit \(l.status))")
            lint = min(lint, l.seconds)
            lintPeak = max(lintPeak, l.peakMB)
        }
        let server = try await DemoServer.start(DemoServerConfiguration(jwtSecret: "bench"))
        let report = NSTemporaryDirectory() + "rehearse-bench-each.json"
        let r = runChild(exe, ["run", big, "--var", "base_url=\(server.baseURL)", "--jobs", "\(jobs)", "--quiet",
                               "--report", "json:\(report)"])
        await server.stop()
        let doc = try JSONValue.parse(try Data(contentsOf: URL(fileURLWithPath: report)))
        guard case .array(let results)? = doc["results"] else { fatalError("no results in the report") }
        let passed = results.filter { $0["outcome"] == .string("passed") }.count
        print("each benchmark: one case with `each` over a \(rows)-row CSV, a dependent case, a teardown case; best of \(runs)")
        print(String(format: "  rehearse lint, 1-row CSV (whole process)      %.3f s   (baseline)", base))
        print(String(format: "  rehearse lint, %d-row CSV                   %.3f s   %.2fx baseline, +%.3f s for the instances",
                     rows, lint, lint / base, lint - base))
        print(String(format: "  rehearse lint peak memory                     %.0f MB", lintPeak))
        print("  rehearse run --jobs \(jobs): \(results.count) results (\(rows + 2) expected), \(passed) passed, exit \(r.status)")
        print(String(format: "  rehearse run, whole process                   %.2f s, %.0f requests/s", r.seconds, Double(rows + 2) / r.seconds))
        print(String(format: "  rehearse run peak memory                      %.0f MB", r.peakMB))
    }
}
