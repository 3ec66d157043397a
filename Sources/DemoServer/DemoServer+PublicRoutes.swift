#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Hummingbird

/// Everything a request handler needs, built once per server.
struct DemoEnvironment: Sendable {
    let configuration: DemoServerConfiguration
    let verifier: DemoJWT
    let state: DemoState
    let startedAt: ContinuousClock.Instant
    /// What `/oauth/token` was asked (DemoServer+OAuth).
    let oauth = DemoOAuthLedger()
    /// Session rotation (`revokeTokensAfterRequests`).
    let rotation = DemoRotation()
}

extension DemoServer {
    static let version = "1.4.2"
    static let loginTokenLifetime = 900
    /// `/slow` never holds a request longer than this, so a typo cannot hang a suite.
    static let slowCapMilliseconds = 30_000
    /// `/large` streams at most this much.
    static let largeCapBytes = 1 << 30

    static func makeRouter(_ environment: DemoEnvironment) -> Router<DemoRequestContext> {
        let router = Router(context: DemoRequestContext.self)
        router.add(middleware: JSONErrorMiddleware())
        addPublicRoutes(to: router, environment)
        addFaultRoutes(to: router, environment)
        addOAuthRoutes(to: router, environment)
        addStallRoutes(to: router)
        addAPIRoutes(to: router.group("api"), environment)
        addWebSocketFallbackRoute(to: router, environment)
        addStreamTickRoute(to: router)
        return router
    }

    private static func addPublicRoutes(to router: Router<DemoRequestContext>, _ environment: DemoEnvironment) {
        router.get("health") { _, _ in
            let uptime = environment.startedAt.duration(to: .now).components.seconds
            return DemoJSON.response(.ok, ["status": "healthy", "version": version, "uptime_seconds": Int(uptime)])
        }

        router.get("ready") { _, _ in
            DemoJSON.response(.ok, ["ready": true, "checks": ["database": "ok", "queue": "ok"]])
        }

        router.post("auth/login") { request, _ in
            guard let body = try await DemoJSON.object(of: request),
                  let user = body["user"] as? String,
                  let password = body["password"] as? String
            else {
                return DemoJSON.error(.badRequest, "bad_request", detail: "expected JSON {\"user\", \"password\"}")
            }
            guard let expected = environment.configuration.users[user], expected == password else {
                return DemoJSON.error(.unauthorized, "invalid_credentials")
            }
            let token = environment.verifier.mint(
                subject: user,
                permissions: ["read", "write"],
                lifetime: loginTokenLifetime
            )
            return DemoJSON.response(.ok, [
                "access_token": token,
                "token_type": "bearer",
                "expires_in": loginTokenLifetime,
            ])
        }

        let echo: @Sendable (Request, DemoRequestContext) async throws -> Response = { request, _ in
            try await echoResponse(request)
        }
        for method: HTTPRequest.Method in [.get, .post, .put, .patch, .delete, .head, .options] {
            router.on("echo", method: method, use: echo)
            router.on("echo/**", method: method, use: echo)
        }

        router.get("not-json") { _, _ in
            DemoJSON.raw(.ok, Data("{not json".utf8))
        }
    }

    /// Endpoints that misbehave on purpose, for retry, timeout and error tests.
    private static func addFaultRoutes(to router: Router<DemoRequestContext>, _ environment: DemoEnvironment) {
        router.get("status/{code}") { _, context in
            guard let code = context.parameters.get("code", as: Int.self), (200...599).contains(code) else {
                return DemoJSON.error(.badRequest, "bad_request", detail: "status must be 200...599")
            }
            let status = HTTPResponse.Status(code: code)
            // These statuses must not carry a body on the wire.
            if code == 204 || code == 304 {
                return Response(status: status)
            }
            return DemoJSON.response(status, ["status": code])
        }

        router.get("flaky/{key}") { request, context in
            let key = context.parameters.get("key") ?? ""
            let failures = max(0, request.uri.queryParameters.get("fail", as: Int.self) ?? 2)
            let attempts = await environment.state.recordFlakyAttempt(key: key)
            if attempts <= failures {
                var headers = HTTPFields()
                if let retryAfter = request.uri.queryParameters.get("retry_after") {
                    headers[.retryAfter] = String(retryAfter)
                }
                return DemoJSON.error(.serviceUnavailable, "unavailable", headers: headers)
            }
            return DemoJSON.response(.ok, ["key": key, "attempts": attempts])
        }

        router.get("slow") { request, _ in
            let requested = request.uri.queryParameters.get("ms", as: Int.self) ?? 0
            let milliseconds = min(max(requested, 0), slowCapMilliseconds)
            try await Task.sleep(for: .milliseconds(milliseconds))
            return DemoJSON.response(.ok, ["slept_ms": milliseconds])
        }

        router.get("reset") { _, context -> Response in
            try await context.dropConnection()
        }

        router.get("large") { request, _ in
            let requested = request.uri.queryParameters.get("bytes", as: Int.self) ?? 0
            let total = min(max(requested, 0), largeCapBytes)
            var headers = HTTPFields()
            headers[.contentType] = "application/octet-stream"
            let body = ResponseBody(contentLength: total) { writer in
                // One reusable chunk: memory stays flat however large the body is.
                let chunkSize = 64 * 1024
                let chunk = ByteBuffer(repeating: UInt8(ascii: "x"), count: min(chunkSize, max(total, 1)))
                var remaining = total
                while remaining > 0 {
                    let size = min(remaining, chunkSize)
                    try await writer.write(size == chunk.readableBytes ? chunk : chunk.getSlice(at: 0, length: size)!)
                    remaining -= size
                }
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: headers, body: body)
        }
    }

    private static func echoResponse(_ request: Request) async throws -> Response {
        let data = try await DemoJSON.bodyData(of: request)
        var query: [String: String] = [:]
        for (name, value) in request.uri.queryParameters {
            query[String(name)] = String(value)
        }
        var headers: [String: String] = [:]
        // HTTP/1 Host arrives as the :authority pseudo-header in swift-http-types.
        if let authority = request.head.authority {
            headers["host"] = authority
        }
        for field in request.headers {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { "\($0), \(field.value)" } ?? field.value
        }
        let text = data.isEmpty ? nil : String(decoding: data, as: UTF8.self)
        let parsed = data.isEmpty ? nil : DemoJSON.parse(data)
        return DemoJSON.response(.ok, [
            "method": request.method.rawValue,
            "path": request.uri.path,
            "query": query,
            "headers": headers,
            "body": text ?? DemoJSON.null,
            "json": parsed ?? DemoJSON.null,
        ])
    }
}
