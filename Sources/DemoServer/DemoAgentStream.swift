#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Hummingbird
import NIOCore

/// The demo agent's run as a stream of events, shared by the SSE endpoint and the WebSocket
/// agent flow: agent_started → agent_thinking → tool_executing → tool_completed → tokens →
/// agent_completed. Options slow the first token or the gaps, send an `error` event, or swap
/// two events, so plans can show each failure a stream check catches.
struct DemoAgentScript: Sendable {
    static let answer = "Costs rose 12% month over month, driven by compute and storage."

    /// Before the first token.
    var firstTokenDelay: Duration = .milliseconds(5)
    /// Between consecutive tokens.
    var tokenGap: Duration = .milliseconds(2)
    /// Between the steps before the tokens.
    var stepDelay: Duration = .milliseconds(5)
    /// Send an `error` event after `tool_executing` and end the run there.
    var failWithError = false
    /// Send `tool_completed` before `tool_executing`.
    var wrongOrder = false
    /// Keep the stream open (heartbeats only) this long after the run.
    var hold: Duration = .zero

    /// `?first_delay_ms=&gap_ms=&error=1&order=wrong&hold_ms=`; absurd values are clamped.
    init(query: [String: String]) {
        func ms(_ key: String, _ limit: Int = 30_000) -> Duration? {
            query[key].flatMap(Int.init).map { .milliseconds(min(max($0, 0), limit)) }
        }
        if let d = ms("first_delay_ms") { firstTokenDelay = d }
        if let d = ms("gap_ms") { tokenGap = d }
        if let d = ms("step_ms") { stepDelay = d }
        if let d = ms("hold_ms", 120_000) { hold = d }
        failWithError = ["1", "true", "yes"].contains(query["error"] ?? "")
        wrongOrder = query["order"] == "wrong"
    }

    /// The tokens of the answer: one word (with its space) each.
    static var tokens: [String] {
        var out: [String] = []
        for word in answer.split(separator: " ", omittingEmptySubsequences: false) {
            out.append(out.isEmpty ? String(word) : " " + word)
        }
        return out
    }

    /// Runs the script: `emit(name, payload)` for each event, `pause(d)` between them.
    func run(runID: String, emit: (String, [String: Any]) async throws -> Void,
             pause: (Duration) async throws -> Void) async throws {
        try await emit("agent_started", ["run_id": runID])
        try await pause(stepDelay)
        try await emit("agent_thinking", ["thought": "Looking up last month's costs"])
        try await pause(stepDelay)
        let executing: (String, [String: Any]) = ("tool_executing", ["tool": "cost_analyzer"])
        let completed: (String, [String: Any]) = ("tool_completed", ["tool": "cost_analyzer", "rows": 42])
        if wrongOrder {
            try await emit(completed.0, completed.1)
            try await pause(stepDelay)
            try await emit(executing.0, executing.1)
        } else {
            try await emit(executing.0, executing.1)
            if failWithError {
                try await pause(stepDelay)
                try await emit("error", ["error": "tool_failed", "detail": "cost_analyzer timed out"])
                return
            }
            try await pause(stepDelay)
            try await emit(completed.0, completed.1)
        }
        for (i, token) in Self.tokens.enumerated() {
            try await pause(i == 0 ? firstTokenDelay : tokenGap)
            try await emit("token", ["delta": token, "index": i])
        }
        try await pause(stepDelay)
        try await emit("agent_completed", ["result": Self.answer, "run_id": runID])
    }
}

extension DemoServer {
    /// `POST /api/agents/stream`: the agent run as Server-Sent Events, behind the API's bearer
    /// token like every `/api` route. Comment lines are sent as heartbeats, as real servers do.
    static func addAgentStreamRoutes(to api: RouterGroup<DemoRequestContext>) {
        api.post("agents/stream") { request, _ in
            let body = try await DemoJSON.object(of: request)
            guard DemoJSON.string(body, "message") != nil else {
                return DemoJSON.response(.unprocessableContent, ["error": "validation", "field": "message"])
            }
            var query: [String: String] = [:]
            for (k, v) in request.uri.queryParameters { query[String(k)] = String(v) }
            let script = DemoAgentScript(query: query)
            let runID = randomHex(bytes: 8)
            let headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-cache"]
            return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                var sequence = 0
                try await writer.write(ByteBuffer(string: ": stream opened\n\n"))
                try await script.run(runID: runID, emit: { name, payload in
                    sequence += 1
                    let data = String(decoding: DemoJSON.encode(payload), as: UTF8.self)
                    try await writer.write(ByteBuffer(string: "event: \(name)\nid: \(sequence)\ndata: \(data)\n\n"))
                }, pause: { d in
                    guard d > .zero else { return }
                    // A heartbeat in each long pause, as proxies need to keep the connection open.
                    if d >= .milliseconds(200) { try await writer.write(ByteBuffer(string: ": heartbeat\n\n")) }
                    try await Task.sleep(for: d)
                })
                var held = Duration.zero
                while held < script.hold {
                    try await Task.sleep(for: .milliseconds(250))
                    held += .milliseconds(250)
                    try await writer.write(ByteBuffer(string: ": heartbeat\n\n"))
                }
                try await writer.finish(nil)
            })
        }
    }
}

extension DemoServer {
    /// `GET /stream/ticks?count=N&every_ms=M`: N small events (`event: tick`, `data: {"i":…}`),
    /// M ms apart, or as fast as the socket takes them when M is 0 (written in batches). Public,
    /// for the stream benchmark and robustness tests.
    static func addStreamTickRoute(to router: Router<DemoRequestContext>) {
        router.get("stream/ticks") { request, _ in
            let count = min(max(request.uri.queryParameters.get("count", as: Int.self) ?? 100, 0), 10_000_000)
            let every = min(max(request.uri.queryParameters.get("every_ms", as: Int.self) ?? 0, 0), 60_000)
            let headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-cache"]
            return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                if every > 0 {
                    for i in 0..<count {
                        if i > 0 { try await Task.sleep(for: .milliseconds(every)) }
                        try await writer.write(ByteBuffer(string: "event: tick\ndata: {\"i\":\(i)}\n\n"))
                    }
                } else {
                    var batch = ""
                    for i in 0..<count {
                        batch += "event: tick\ndata: {\"i\":\(i)}\n\n"
                        if batch.utf8.count > 32 * 1024 {
                            try await writer.write(ByteBuffer(string: batch))
                            batch = ""
                        }
                    }
                    if !batch.isEmpty { try await writer.write(ByteBuffer(string: batch)) }
                }
                try await writer.finish(nil)
            })
        }
    }
}
