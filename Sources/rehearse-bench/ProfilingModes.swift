import Foundation

/// `rehearse-bench raw URL REQUESTS CONCURRENCY [MODE]`, beside `rehearse-bench serve`: the client
/// loops on their own, for profiling (`perf record`, `strace -c`) and for comparing two of them in
/// one process, where the machine's noise hits both alike.
///
/// - `loop` (default): the raw AsyncHTTPClient loop once; prints its time.
/// - `transport`: the same loop through rehearse's `AsyncHTTPTransport`.
/// - `compare`: raw loop and transport loop alternated 15 times; min and median of each.
/// - `compare-engine`: raw loop and the whole engine (`Runner` over the run benchmark's suite,
///   URL without its `/health`) alternated 15 times.
enum ProfilingModes {
    static func raw(_ args: [String]) async throws {
        guard args.count >= 3, let requests = Int(args[1]), let concurrency = Int(args[2]) else {
            print("usage: rehearse-bench raw URL REQUESTS CONCURRENCY [loop|transport|compare|compare-engine]")
            exit(2)
        }
        let url = args[0]
        let mode = args.count > 3 ? args[3] : "loop"
        let base = url.hasSuffix("/health") ? String(url.dropLast("/health".count)) : url
        func raw() async throws -> Double { try await RunBenchmark.rawLoop(url: url, requests: requests, concurrency: concurrency) }
        func transport() async throws -> Double {
            try await RunBenchmark.transportLoop(url: url, requests: requests, concurrency: concurrency)
        }
        func engine() async throws -> Double {
            try await EngineBenchmark.engineLoop(baseURL: base, cases: requests, jobs: concurrency)
        }
        switch mode {
        case "loop": print(String(format: "%.3f s", try await raw()))
        case "transport": print(String(format: "%.3f s", try await transport()))
        case "compare", "compare-engine":
            var a: [Double] = [], b: [Double] = []
            for _ in 0..<15 {
                a.append(try await raw())
                b.append(mode == "compare" ? try await transport() : try await engine())
            }
            a.sort()
            b.sort()
            print(String(format: "raw loop min %.3f median %.3f | %@ min %.3f median %.3f | throughput ratio of medians %.2f",
                         a[0], a[7], mode == "compare" ? "transport" : "engine", b[0], b[7], a[7] / b[7]))
        default:
            print("unknown mode \(mode)")
            exit(2)
        }
    }
}
