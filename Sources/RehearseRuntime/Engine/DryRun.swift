#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseDiagnostics
import RehearseCompiler
import RehearseResults

/// `--dry-run`: what each case would send, in run order, with nothing sent. Values captured from
/// other cases are shown as `<case.name>`; credentials are masked.
public enum DryRun {
    public static func describe(_ context: RunContext) async -> String {
        let graph = context.graph
        var out = ""
        for n in graph.order {
            let node = graph.nodes[n]
            if case .auth(let profile) = node.kind {
                let what = graph.suite.profile(profile)?.kindName == "oauth2" ? "OAuth2 token request" : "login request"
                out += "\(node.name): \(what), token shared by its cases (profile \(profile))\n\n"
                continue
            }
            let executor = CaseExecutor(context: context, node: n)
            let c = executor.testCase
            out += "\(node.name)"
            if let skip = c.skip { out += "  (skipped: \(skip))\n\n"; continue }
            out += "\n"
            var renderer: TemplateRenderer
            do { renderer = try context.renderer(forPlan: executor.resolved.ref.plan) } catch {
                out += "  cannot render: \(error.message)\n\n"
                continue
            }
            for other in graph.plans[executor.resolved.ref.plan].cases {
                renderer.scope.captures[other.id] = Dictionary(other.capturedNames.map { ($0, JSONValue.string("<\(other.id).\($0)>")) },
                                                               uniquingKeysWith: { a, _ in a })
            }
            if let instance = executor.resolved.instance {
                renderer.scope.item = instance.item
                renderer.scope.index = instance.index
            } else if let each = c.each, each.isRuntime {
                // The list is known only at run time: show the first instance's shape.
                out += "  (repeated for each element of \(each.origin), expanded at run time)\n"
                renderer.scope.itemPlaceholder = true
            }
            if case .sse(let sse) = c.kind { out += await describe(sse, executor, renderer) }
            guard case .http(let spec) = c.kind else {
                if case .websocket(let ws) = c.kind { out += await describe(ws, executor, renderer) }
                continue
            }
            let (credentials, authNote) = await self.credentials(executor, webSocket: false)
            if let authNote { out += authNote }
            do {
                let r = try RequestBuilder.build(spec, renderer: renderer, common: try context.commonHeaders(renderer),
                                                 credentials: credentials, timeout: executor.timeout)
                out += "  \(r.method) \(r.url)\n"
                out += headerLines(r.headers, credentials: credentials, auth: executor.resolved.auth, masker: context.masker)
                if let body = r.body { out += "\n  \(String(decoding: body, as: UTF8.self))\n" }
                if let load = c.load { out += "  × " + (load.open.map(OpenLoad.describe) ?? "\(load.requests) requests, \(load.concurrency) at a time") + "\n" }
            } catch {
                out += "  cannot render: \(error.message)\n"
            }
            out += "\n"
        }
        return context.masker.mask(out)
    }

    /// The case's credentials, and a line to show when they cannot be made. (`mode: missing` is
    /// `auth: none` by the time it gets here: nothing is sent.)
    static func credentials(_ executor: CaseExecutor, webSocket: Bool) async -> (Credentials, String?) {
        guard case .profile(let name, let mode) = executor.resolved.auth else { return (.none, nil) }
        do {
            return (try await executor.context.auth.credentials(for: executor.resolved.auth, webSocket: webSocket), nil)
        } catch {
            return (.none, "  credentials cannot be made (\(name.value), \(mode.rawValue)): \(error.description)\n")
        }
    }

    /// Header lines; credential headers are redacted and name the profile and mode they come from:
    /// `Authorization: Bearer *** (staging-jwt, expired)`.
    static func headerLines(_ headers: [(name: String, value: String)], credentials: Credentials, auth: AuthUse,
                            masker: SecretMasker) -> String {
        var out = ""
        for h in headers {
            let shown = CaseExecutor.shown(h, masker: masker)
            out += "  \(shown.name): \(shown.value)"
            if case .profile(let name, let mode) = auth, credentials.headers.contains(where: { $0.name == h.name && $0.value == h.value }) {
                out += " (\(name.value), \(mode.rawValue))"
            }
            out += "\n"
        }
        return out
    }

    /// A WebSocket case: the handshake it would send and its steps, one line each.
    static func describe(_ ws: WebSocketSpec, _ executor: CaseExecutor, _ renderer: TemplateRenderer) async -> String {
        let context = executor.context
        let (credentials, authNote) = await self.credentials(executor, webSocket: true)
        var out = authNote ?? ""
        do {
            out += "  GET \(try renderer.renderString(ws.url)) (WebSocket upgrade)\n"
            var headers = try context.commonHeaders(renderer) + credentials.headers
            for (k, t) in ws.headers { headers.append((k, try renderer.renderString(t))) }
            out += headerLines(headers, credentials: credentials, auth: executor.resolved.auth, masker: context.masker)
            var subprotocols: [String] = []
            for t in ws.subprotocols { subprotocols.append(try renderer.renderString(t)) }
            // The subprotocol carries the token: shown by its prefix only.
            if credentials.subprotocol != nil { subprotocols.append("jwt.***") }
            if !subprotocols.isEmpty { out += "  Sec-WebSocket-Protocol: \(subprotocols.joined(separator: ", "))\n" }
            for (i, step) in ws.steps.enumerated() {
                out += "  step \(i + 1): "
                switch step.action {
                case .send(.json(let v)): out += "send \(try renderer.render(v).jsonText)\n"
                case .send(.text(let t)): out += "send \(try renderer.renderString(t))\n"
                case .receive(let r):
                    let conversation = StreamConversation(stream: NoStream(), connection: NoConnection(), context: context,
                                                          planFile: "", caseID: executor.testCase.id,
                                                          defaultWithin: executor.timeout, renderer: renderer)
                    out += "receive \(conversation.wanted(r.matcher)) within \(DurationParser.format(r.within ?? executor.timeout))"
                    out += r.skipOthers ? ", skipping others\n" : "\n"
                case .close(let code): out += "close \(code)\n"
                case .events, .collect: out += describe(step, executor, renderer)
                }
            }
        } catch {
            out += "  cannot render: \(error.message)\n"
        }
        return out + "\n"
    }
}

/// Stands in for a connection where nothing is sent (dry runs describe steps without one).
private struct NoConnection: WebSocketConnection {
    func send(text: String) async throws(TransportError) { throw TransportError(.other, "dry run") }
    func receive(within: Duration) async -> WebSocketEvent { .timedOut }
    func close(code: Int) async {}
}
