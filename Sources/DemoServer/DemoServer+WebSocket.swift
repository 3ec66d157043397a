#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket

/// How a WebSocket client proved who it is, and what the server must echo.
struct WebSocketCredential {
    var token: String?
    /// The `jwt.<base64url>` subprotocol the token came in, echoed on accept
    /// because clients that offer a subprotocol fail a handshake that drops it.
    var subprotocol: String?

    /// Looks at `Authorization: Bearer`, then `?token=`, then a `jwt.` subprotocol.
    init(headers: HTTPFields, queryToken: String?) {
        if let header = headers[.authorization], let token = bearerToken(in: header) {
            self.token = token
            return
        }
        if let queryToken, !queryToken.isEmpty {
            self.token = queryToken
            return
        }
        let offered = headers[values: .secWebSocketProtocol]
            .flatMap { $0.split(separator: ",") }
            .map { DemoText.trimmed($0) }
        for proto in offered where proto.hasPrefix("jwt.") {
            if let data = Base64URL.decode(proto.dropFirst(4)), let token = String(data: data, encoding: .utf8) {
                self.token = token
                self.subprotocol = proto
                return
            }
        }
    }
}

extension DemoServer {
    typealias UpgradeDecision = ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>>

    static func webSocketUpgrade(
        _ environment: DemoEnvironment
    ) -> @Sendable (HTTPRequest, any Channel, Logger) async throws -> UpgradeDecision {
        { request, channel, _ in
            let target = URLComponents(string: request.path ?? "/")
            guard target?.path == "/ws" else {
                await refuseUpgrade(on: channel, status: .notFound, body: ["error": "not_found"])
                return .dontUpgrade
            }
            let credential = WebSocketCredential(
                headers: request.headerFields,
                queryToken: target?.queryItems?.last { $0.name == "token" }?.value
            )
            guard let token = credential.token else {
                await refuseUpgrade(on: channel, status: .forbidden, body: [
                    "error": "missing_token",
                    "detail": "send Authorization: Bearer, ?token= or a jwt.<base64url> subprotocol",
                ])
                return .dontUpgrade
            }
            do throws(DemoJWT.Failure) {
                _ = try environment.verifier.verify(token)
            } catch {
                await refuseUpgrade(on: channel, status: .forbidden, body: ["error": "invalid_token", "detail": error.detail])
                return .dontUpgrade
            }
            var headers = HTTPFields()
            if let subprotocol = credential.subprotocol {
                headers[.secWebSocketProtocol] = subprotocol
            }
            let session = DemoWebSocketSession(stepDelay: environment.configuration.agentStepDelay)
            return .upgrade(headers) { inbound, outbound, _ in
                try await session.run(inbound: inbound, outbound: outbound)
            }
        }
    }

    /// Answers a refused upgrade with a real HTTP error.
    ///
    /// Hummingbird answers every refused upgrade with an empty 400 of its
    /// own. A handler in front of the HTTP encoder sends our response as raw
    /// bytes and then swallows everything written after it, so the client
    /// sees exactly one response and Hummingbird's close proceeds as usual.
    static func refuseUpgrade(on channel: any Channel, status: HTTPResponse.Status, body: [String: Any]) async {
        let json = DemoJSON.encode(body)
        let head = [
            "HTTP/1.1 \(status.code) \(status.reasonPhrase)",
            "Content-Type: \(DemoJSON.contentType)",
            "Content-Length: \(json.count)",
            "Connection: close",
        ].joined(separator: "\r\n") + "\r\n\r\n"
        var response = ByteBuffer(string: head)
        response.writeBytes(json)
        let finalResponse = response
        try? await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(RefusalWriter(response: finalResponse), position: .first)
        }.get()
    }

    /// A plain `GET /ws` without upgrade headers gets an HTTP answer too.
    static func addWebSocketFallbackRoute(to router: Router<DemoRequestContext>, _ environment: DemoEnvironment) {
        router.get("ws") { request, _ in
            let credential = WebSocketCredential(
                headers: request.headers,
                queryToken: request.uri.queryParameters.get("token").map { String($0) }
            )
            guard let token = credential.token else {
                return DemoJSON.error(.forbidden, "missing_token", detail: "a WebSocket token is required")
            }
            do throws(DemoJWT.Failure) {
                _ = try environment.verifier.verify(token)
            } catch {
                return DemoJSON.error(.forbidden, "invalid_token", detail: error.detail)
            }
            return DemoJSON.error(.upgradeRequired, "upgrade_required", headers: [.upgrade: "websocket"])
        }
    }
}

/// Sits closest to the socket on a connection whose upgrade was refused:
/// writes the refusal once added, then drops every later outbound write.
private final class RefusalWriter: ChannelOutboundHandler {
    typealias OutboundIn = Any
    typealias OutboundOut = ByteBuffer

    private let response: ByteBuffer

    init(response: ByteBuffer) {
        self.response = response
    }

    func handlerAdded(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(response), promise: nil)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // Reported as written so the layers above carry on to their close.
        promise?.succeed(())
    }

    func flush(context: ChannelHandlerContext) {}
}

/// One accepted WebSocket connection speaking the demo agent protocol.
struct DemoWebSocketSession: Sendable {
    let sessionID = randomHex(bytes: 8)
    let stepDelay: Duration

    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        try await send(["type": "system_message", "content": "connected", "session_id": sessionID], to: outbound)
        var silenced = false
        for try await message in inbound.messages(maxSize: 1 << 20) {
            // Keep reading after `silence` so close frames are still answered;
            // only our own output stops.
            if silenced { continue }
            guard case .text(let text) = message,
                  let object = DemoJSON.parse(Data(text.utf8))
            else {
                try await send(["type": "error_message", "error": "invalid_json"], to: outbound)
                continue
            }
            switch (object as? [String: Any])?["type"] as? String {
            case "ping":
                try await send(["type": "pong"], to: outbound)
            case "user_message":
                let fields = object as? [String: Any] ?? [:]
                if fields["stream"] as? Bool == true {
                    try await streamAgent(fields, outbound: outbound)
                } else {
                    try await runAgent(outbound: outbound)
                }
            case "silence":
                silenced = true
            case "close_me":
                try await outbound.close(.unexpectedServerError, reason: "close requested")
                return
            default:
                try await send(["type": "ack"], to: outbound)
            }
        }
    }

    /// The canned agent run: an ack, then each step `stepDelay` apart.
    private func runAgent(outbound: WebSocketOutboundWriter) async throws {
        try await send(["type": "ack", "message_id": randomHex(bytes: 8)], to: outbound)
        let steps: [[String: Any]] = [
            ["type": "agent_started"],
            ["type": "agent_thinking", "payload": ["thought": "Looking up last month's costs"]],
            ["type": "tool_executing", "payload": ["tool": "cost_query"]],
            ["type": "tool_completed", "payload": ["tool": "cost_query", "rows": 42]],
            ["type": "agent_completed", "payload": ["result": "Costs rose 12% month over month"]],
        ]
        for step in steps {
            try await Task.sleep(for: stepDelay)
            try await send(step, to: outbound)
        }
    }

    /// `{"type": "user_message", "stream": true}`: the same run as the SSE endpoint, tokens
    /// included, as `{"type": NAME, "payload": {...}}` frames; the SSE options are fields here
    /// (`first_delay_ms`, `gap_ms`, `error`, `order`).
    private func streamAgent(_ fields: [String: Any], outbound: WebSocketOutboundWriter) async throws {
        var query: [String: String] = [:]
        for (k, v) in fields where k != "type" { query[k] = "\(v)" }
        if fields["error"] as? Bool == true { query["error"] = "1" }
        let script = DemoAgentScript(query: query)
        try await script.run(runID: randomHex(bytes: 8), emit: { name, payload in
            try await send(["type": name, "payload": payload], to: outbound)
        }, pause: { d in
            if d > .zero { try await Task.sleep(for: d) }
        })
    }

    private func send(_ object: [String: Any], to outbound: WebSocketOutboundWriter) async throws {
        try await outbound.write(.text(String(decoding: DemoJSON.encode(object), as: UTF8.self)))
    }
}
