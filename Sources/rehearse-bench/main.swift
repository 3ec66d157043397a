import CYAML
import DemoServer
import Foundation

// rehearse-bench: reproducible throughput figures, each reported as a ratio against a baseline
// measured in the same run. Usage: rehearse-bench lint [--plans N] [--cases N] [--runs N]

func arg(_ name: String, _ fallback: Int) -> Int {
    let a = CommandLine.arguments
    if let i = a.firstIndex(of: name), i + 1 < a.count, let v = Int(a[i + 1]) { return v }
    return fallback
}

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

/// Baseline: read every file and pull libyaml's events, building nothing (one thread).
func libyamlEvents(_ files: [String]) -> (seconds: Double, events: Int) {
    let start = now()
    var count = 0
    for f in files {
        guard let data = FileManager.default.contents(atPath: f) else { continue }
        let bytes = [UInt8](data)
        var parser = yaml_parser_t()
        yaml_parser_initialize(&parser)
        bytes.withUnsafeBufferPointer { buf in
            yaml_parser_set_input_string(&parser, buf.baseAddress, buf.count)
            var event = yaml_event_t()
            while yaml_parser_parse(&parser, &event) == 1 {
                count += 1
                let end = event.type == YAML_STREAM_END_EVENT
                yaml_event_delete(&event)
                if end { break }
            }
        }
        yaml_parser_delete(&parser)
    }
    return (now() - start, count)
}

/// Runs a child process; returns wall seconds, peak RSS in MB and the exit status.
func runChild(_ path: String, _ args: [String]) -> (seconds: Double, peakMB: Double, status: Int32) {
    var pid: pid_t = 0
    let argv = ([path] + args).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    defer { posix_spawn_file_actions_destroy(&actions) }
    let start = now()
    guard posix_spawn(&pid, path, &actions, nil, argv, environ) == 0 else {
        fatalError("cannot start \(path)")
    }
    var status: Int32 = 0
    var usage = rusage()
    wait4(pid, &status, 0, &usage)
    return (now() - start, Double(usage.ru_maxrss) / 1024, (status >> 8) & 0xff)
}

func lintBenchmark() throws {
    let plans = arg("--plans", 1000), cases = arg("--cases", 20), runs = arg("--runs", 5)
    let dir = NSTemporaryDirectory() + "rehearse-bench-lint"
    let bytes = try PlanGenerator.write(to: dir, plans: plans, cases: cases)
    let files = FileManager.default.enumerator(atPath: dir)!.compactMap { $0 as? String }
        .filter { $0.hasSuffix(".yaml") }.map { dir + "/" + $0 }
    let exe = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("rehearse").path
    guard FileManager.default.isExecutableFile(atPath: exe) else { fatalError("build the rehearse product first: \(exe)") }

    _ = libyamlEvents(files)  // warm the page cache for both measurements
    var base = Double.infinity, lint = Double.infinity, peak = 0.0
    var events = 0
    for _ in 0..<runs {
        let b = libyamlEvents(files)
        base = min(base, b.seconds)
        events = b.events
        let l = runChild(exe, ["lint", dir, "--format", "json"])
        precondition(l.status == 0, "the generated suite must lint clean (exit \(l.status))")
        lint = min(lint, l.seconds)
        peak = max(peak, l.peakMB)
    }
    let mb = Double(bytes) / 1_048_576
    print("lint benchmark: \(plans) plans x \(cases) cases, \(String(format: "%.1f", mb)) MB of YAML, \(events) events; best of \(runs)")
    print(String(format: "  libyaml events only (1 thread, in process)   %.3f s   (baseline)", base))
    print(String(format: "  rehearse lint (whole process, %d cores)        %.3f s   %.2fx baseline", ProcessInfo.processInfo.activeProcessorCount, lint, lint / base))
    print(String(format: "  rehearse lint peak memory                     %.0f MB", peak))
}

let command = CommandLine.arguments.dropFirst().first ?? "lint"
switch command {
case "lint": try lintBenchmark()
case "scale": try await ScaleBenchmark.run(plans: arg("--plans", 500), perPlan: arg("--cases", 20), jobs: arg("--jobs", 64),
                                           latencyMS: arg("--latency-ms", 20))
case "run": try await RunBenchmark.run(cases: arg("--cases", 2000), jobs: arg("--jobs", 8), memoryCases: arg("--memory-cases", 10_000),
                                     runs: arg("--runs", 7))
case "each": try await EachBenchmark.run(rows: arg("--rows", 10_000), jobs: arg("--jobs", 64), runs: arg("--runs", 5))
case "engine": try await EngineBenchmark.run(cases: arg("--cases", 10_000), jobs: arg("--jobs", 8), runs: arg("--runs", 5))
case "stream":
    try await StreamBenchmark.run(events: arg("--events", 200_000), runs: arg("--runs", 3),
                                  only: CommandLine.arguments.firstIndex(of: "--only").flatMap { CommandLine.arguments.dropFirst($0 + 1).first })
case "serve":  // a demo server for manual profiling: prints its URL, serves until killed
    let server = try await DemoServer.start(DemoServerConfiguration(jwtSecret: "bench"))
    FileHandle.standardOutput.write(Data((server.baseURL + "\n").utf8))
    while true { try await Task.sleep(for: .seconds(3600)) }
case "raw": try await ProfilingModes.raw(Array(CommandLine.arguments.dropFirst(2)))
case "load":
    try await LoadBenchmark.run(LoadBenchmark.Options(seconds: arg("--seconds", 5), connections: arg("--connections", 16),
                                                      requests: arg("--requests", 200_000), memoryRequests: arg("--memory-requests", 10_000_000),
                                                      memorySeconds: arg("--memory-seconds", 20),
                                                      before: CommandLine.arguments.firstIndex(of: "--before").flatMap {
                                                          CommandLine.arguments.dropFirst($0 + 1).first
                                                      }))
default:
    print("""
    usage: rehearse-bench lint [--plans N] [--cases N] [--runs N]
           rehearse-bench run [--cases N] [--jobs N] [--runs N] [--memory-cases N]
           rehearse-bench scale [--plans N] [--cases N] [--jobs N] [--latency-ms N]
           rehearse-bench engine [--cases N] [--jobs N] [--runs N]
           rehearse-bench each [--rows N] [--jobs N] [--runs N]
           rehearse-bench stream [--events N] [--runs N] [--only bare|engine]   (--only: one loop alone, for profiling)
           rehearse-bench serve                              (demo server for profiling; prints its URL)
           rehearse-bench raw URL REQUESTS CONCURRENCY [loop|transport|compare|compare-engine]
           rehearse-bench load [--seconds N] [--connections N] [--requests N] [--memory-requests N] [--memory-seconds N] [--before REHEARSE]
    """)
    exit(2)
}
