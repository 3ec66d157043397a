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

/// `collect` over a fast SSE stream against a bare client loop reading and splitting the same
/// stream, and the accuracy of arrival timestamps against a server sending every 10 ms.
enum StreamBenchmark {
    /// Baseline: AHC's delegate API, counting event ends (`\n\n`) in each body part; nothing kept.
    final class CountingDelegate: HTTPClientResponseDelegate, @unchecked Sendable {
        typealias Response = Int
        var events = 0
        var last: UInt8 = 0
        func didReceiveBodyPart(task: HTTPClient.Task<Int>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
            for b in buffer.readableBytesView {
                if b == 0x0A && last == 0x0A { events += 1 }
                last = b
            }
            return task.eventLoop.makeSucceededVoidFuture()
        }
        func didFinishRequest(task: HTTPClient.Task<Int>) throws -> Int { events }
    }

    static func bareLoop(url: String, expected: Int) async throws -> Double {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let start = now()
        let count = try await client.execute(request: try HTTPClient.Request(url: url), delegate: CountingDelegate()).futureResult.get()
        let elapsed = now() - start
        try await client.shutdown()
        precondition(count == expected, "the bare loop saw \(count) events")
        return elapsed
    }

    /// The engine: one SSE case whose `collect` takes every event and checks the count.
    static func engineLoop(baseURL: String, query: String, count: Int, gap: Bool) async throws -> (Double, StreamStepStats?) {
        let dir = NSTemporaryDirectory() + "rehearse-bench-stream-\(count)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "version: 1\n".write(toFile: dir + "/rehearse.yaml", atomically: true, encoding: .utf8)
        try """
        cases:
          - id: ticks
            sse:
              url: "{{ base_url }}/stream/ticks?\(query)"
              steps:
                - collect: {match: {event: tick}, count: \(count), within: 10m}
        """.write(toFile: dir + "/stream.yaml", atomically: true, encoding: .utf8)
        let vars = ["base_url": baseURL]
        guard let graph = Lint.run(paths: [dir], options: CompileOptions(cliVars: vars)).graph else { fatalError("compile") }
        var options = RunOptions()
        options.cliVars = vars
        let transport = AsyncHTTPTransport()
        let context = try RunContext(graph: graph, options: options, transport: transport)
        let start = now()
        let report = await Runner.run(context)
        let elapsed = now() - start
        await transport.shutdown()
        precondition(report.exitCode == 0, "the stream case must pass: \(report.results.first?.failures.first?.message ?? "")")
        return (elapsed, report.results.first?.streams.first)
    }

    static func run(events: Int, runs: Int, only: String? = nil) async throws {
        let server = try await DemoServer.start(DemoServerConfiguration(jwtSecret: "bench"))
        let url = server.baseURL + "/stream/ticks?count=\(events)"
        if let only {
            // For profiling (`perf record`): one of the two loops alone, so its samples are not mixed.
            for _ in 0..<runs {
                let t = only == "bare" ? try await bareLoop(url: url, expected: events)
                    : try await engineLoop(baseURL: server.baseURL, query: "count=\(events)", count: events, gap: false).0
                print(String(format: "  %@ %.3fs", only, t))
            }
            await server.stop()
            return
        }
        var bare: [Double] = [], engine: [Double] = []
        for _ in 0..<runs {
            bare.append(try await bareLoop(url: url, expected: events))
            engine.append(try await engineLoop(baseURL: server.baseURL, query: "count=\(events)", count: events, gap: false).0)
        }
        let b = bare.min()!, e = engine.min()!
        print("stream benchmark: \(events) SSE events, best of \(runs)")
        print(String(format: "  bare AHC loop (read + split)  %.3fs  %.0f events/s", b, Double(events) / b))
        print(String(format: "  rehearse collect              %.3fs  %.0f events/s  (%.2fx the bare loop)", e, Double(events) / e, e / b))
        let (_, stats) = try await engineLoop(baseURL: server.baseURL, query: "count=200&every_ms=10", count: 200, gap: true)
        if let stats, let p50 = stats.gap("p50"), let p95 = stats.gap("p95") {
            print(String(format: "  timestamps, server every 10ms: gap p50 %.2fms  p95 %.2fms  max %.2fms",
                         p50.milliseconds, p95.milliseconds, (stats.gap("max") ?? .zero).milliseconds))
        }
        await server.stop()
    }
}
