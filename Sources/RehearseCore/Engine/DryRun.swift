import Foundation

/// `--dry-run`: what each case would send, in run order, with nothing sent. Values captured from
/// other cases are shown as `<case.name>`; credentials are masked.
public enum DryRun {
    public static func describe(_ context: RunContext) async -> String {
        let graph = context.graph
        var out = ""
        for n in graph.order {
            let node = graph.nodes[n]
            if case .auth(let profile) = node.kind {
                out += "\(node.name): login request, token shared by its cases (profile \(profile))\n\n"
                continue
            }
            let executor = CaseExecutor(context: context, node: n)
            let c = executor.testCase
            out += "\(node.name)"
            if let skip = c.skip { out += "  (skipped: \(skip))\n\n"; continue }
            out += "\n"
            guard case .http(let spec) = c.kind else {
                out += "  WebSocket conversation\n\n"
                continue
            }
            var renderer: TemplateRenderer
            do { renderer = try context.renderer(forPlan: executor.resolved.ref.plan) } catch {
                out += "  cannot render: \(error.message)\n\n"
                continue
            }
            for other in graph.plans[executor.resolved.ref.plan].cases {
                renderer.scope.captures[other.id] = Dictionary(other.capturedNames.map { ($0, JSONValue.string("<\(other.id).\($0)>")) },
                                                               uniquingKeysWith: { a, _ in a })
            }
            let credentials = (try? await context.auth.credentials(for: executor.resolved.auth)) ?? .none
            do {
                let r = try RequestBuilder.build(spec, renderer: renderer, common: try context.commonHeaders(renderer),
                                                 credentials: credentials, timeout: executor.timeout)
                out += "  \(r.method) \(r.url)\n"
                for h in r.headers {
                    let sensitive = h.name.lowercased() == "authorization"
                    out += "  \(h.name): \(sensitive ? CaseExecutor.redactCredential(h.value) : h.value)\n"
                }
                if let body = r.body { out += "\n  \(String(decoding: body, as: UTF8.self))\n" }
                if let load = c.load { out += "  × \(load.requests) requests, \(load.concurrency) at a time\n" }
            } catch {
                out += "  cannot render: \(error.message)\n"
            }
            out += "\n"
        }
        return context.masker.mask(out)
    }
}
