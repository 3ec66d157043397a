#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Hummingbird

/// Guards `/api`: no `Authorization` header is a 401 (the client has not
/// tried), anything present but unacceptable is a 403.
struct BearerTokenMiddleware: RouterMiddleware {
    typealias Context = DemoRequestContext
    let verifier: DemoJWT
    /// Rotation of sessions, with the number of accepted requests after which it happens.
    var rotation: (DemoRotation, limit: Int)? = nil

    func handle(
        _ request: Request,
        context: DemoRequestContext,
        next: (Request, DemoRequestContext) async throws -> Response
    ) async throws -> Response {
        guard let header = request.headers[.authorization], !header.isEmpty else {
            return DemoJSON.error(
                .unauthorized,
                "missing_token",
                detail: "Authorization header required",
                headers: [.wwwAuthenticate: "Bearer"]
            )
        }
        guard let token = bearerToken(in: header) else {
            return DemoJSON.error(.forbidden, "invalid_token", detail: "expected Authorization: Bearer <token>")
        }
        do {
            var context = context
            context.claims = try verifier.verify(token)
            if let (rotation, limit) = rotation, !(await rotation.admit(token, limit: limit)) {
                return DemoJSON.error(.unauthorized, "token_revoked", detail: "the session was rotated: get a new token",
                                      headers: [.wwwAuthenticate: "Bearer error=\"invalid_token\""])
            }
            return try await next(request, context)
        } catch let failure as DemoJWT.Failure {
            return DemoJSON.error(.forbidden, "invalid_token", detail: failure.detail)
        }
    }
}

/// The token of a `Bearer <token>` header value; the scheme is case-insensitive.
func bearerToken(in header: String) -> String? {
    let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
    guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
    let token = DemoText.trimmed(parts[1])
    return token.isEmpty ? nil : token
}

extension DemoServer {
    static func addAPIRoutes(to api: RouterGroup<DemoRequestContext>, _ environment: DemoEnvironment) {
        let state = environment.state
        api.add(middleware: BearerTokenMiddleware(
            verifier: environment.verifier,
            rotation: environment.configuration.revokeTokensAfterRequests.map { (environment.rotation, $0) }))

        api.get("me") { _, context in
            let claims = context.claims
            let sub = claims?.sub ?? ""
            return DemoJSON.response(.ok, [
                "sub": sub,
                "email": claims?.email ?? "\(sub)@example.com",
                "permissions": claims?.permissions ?? [],
            ])
        }

        api.post("threads") { request, _ in
            let body = try await DemoJSON.object(of: request)
            guard let title = DemoJSON.string(body, "title") else {
                return DemoJSON.response(.unprocessableContent, ["error": "validation", "field": "title"])
            }
            let thread = await state.createThread(title: title)
            return DemoJSON.response(.created, thread.json, headers: [.location: "/api/threads/\(thread.id)"])
        }

        api.get("threads") { _, _ in
            let threads = await state.allThreads()
            return DemoJSON.response(.ok, ["threads": threads.map(\.json), "count": threads.count])
        }

        api.get("threads/{id}") { _, context in
            guard let thread = await state.thread(id: context.parameters.get("id") ?? "") else {
                return DemoJSON.error(.notFound, "not_found")
            }
            return DemoJSON.response(.ok, thread.json)
        }

        api.post("threads/{id}/messages") { request, context in
            let id = context.parameters.get("id") ?? ""
            let body = try await DemoJSON.object(of: request)
            guard await state.thread(id: id) != nil else {
                return DemoJSON.error(.notFound, "not_found")
            }
            guard let content = DemoJSON.string(body, "content") else {
                return DemoJSON.response(.unprocessableContent, ["error": "validation", "field": "content"])
            }
            guard let message = await state.appendMessage(threadID: id, content: content) else {
                return DemoJSON.error(.notFound, "not_found")
            }
            return DemoJSON.response(.created, message.json)
        }

        api.delete("threads/{id}") { _, context in
            guard await state.deleteThread(id: context.parameters.get("id") ?? "") else {
                return DemoJSON.error(.notFound, "not_found")
            }
            return Response(status: .noContent)
        }

        api.post("chat") { request, _ in
            let body = try await DemoJSON.object(of: request)
            guard let message = body?["message"] as? String else {
                return DemoJSON.response(.unprocessableContent, ["error": "validation", "field": "message"])
            }
            return DemoJSON.response(.ok, ["reply": "echo: \(message)", "model": "demo"])
        }

        api.get("admin/stats") { _, context in
            guard context.claims?.permissions.contains("admin") == true else {
                return DemoJSON.error(.forbidden, "forbidden", detail: "admin permission required")
            }
            return DemoJSON.response(.ok, [
                "threads": await state.threadCount,
                "jobs": await state.jobCount,
                "users": environment.configuration.users.count,
            ])
        }

        api.post("jobs") { _, _ in
            let id = await state.createJob()
            return DemoJSON.response(
                .accepted,
                ["id": id, "state": DemoState.JobState.pending.rawValue],
                headers: [.location: "/api/jobs/\(id)"]
            )
        }

        api.get("jobs/{id}") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let jobState = await state.pollJob(id: id) else {
                return DemoJSON.error(.notFound, "not_found")
            }
            var body: [String: Any] = ["id": id, "state": jobState.rawValue]
            if jobState == .ready { body["result"] = ["rows": 42] }
            return DemoJSON.response(.ok, body)
        }

        addAgentStreamRoutes(to: api)
    }
}
