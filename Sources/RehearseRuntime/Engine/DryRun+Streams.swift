#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseDiagnostics
import RehearseCompiler
import RehearseResults

/// Stands in for a stream where nothing arrives (dry runs describe steps without one).
struct NoStream: MessageStream {
    func next(within: Duration) async -> StreamEvent { .timedOut }
    func close() async {}
}

extension DryRun {
    /// An SSE case: the request it would send and its steps, one line each.
    static func describe(_ sse: SSESpec, _ executor: CaseExecutor, _ renderer: TemplateRenderer) async -> String {
        let context = executor.context
        let (credentials, authNote) = await self.credentials(executor, webSocket: false)
        var out = authNote ?? ""
        do {
            let r = try RequestBuilder.build(sse.request, renderer: renderer, common: try context.commonHeaders(renderer),
                                             credentials: credentials, timeout: executor.timeout)
            out += "  \(r.method) \(r.url) (Server-Sent Events)\n"
            out += headerLines(r.headers, credentials: credentials, auth: executor.resolved.auth, masker: context.masker)
            if let body = r.body { out += "\n  \(String(decoding: body, as: UTF8.self))\n" }
        } catch {
            out += "  cannot render: \(error.message)\n"
        }
        for (i, step) in sse.steps.enumerated() {
            out += "  step \(i + 1): "
            if case .receive(let r) = step.action {
                let conversation = StreamConversation(stream: NoStream(), connection: nil, context: context, planFile: "",
                                                      caseID: executor.testCase.id, defaultWithin: executor.timeout,
                                                      renderer: renderer)
                out += "receive \(conversation.wanted(r.matcher)) within \(DurationParser.format(r.within ?? executor.timeout))\n"
            } else {
                out += describe(step, executor, renderer)
            }
        }
        return out + "\n"
    }

    /// An `events` or `collect` step, one line.
    static func describe(_ step: WebSocketStep, _ executor: CaseExecutor, _ renderer: TemplateRenderer) -> String {
        let conversation = StreamConversation(stream: NoStream(), connection: nil, context: executor.context, planFile: "",
                                              caseID: executor.testCase.id, defaultWithin: executor.timeout, renderer: renderer)
        switch step.action {
        case .events(let e):
            var line = "events \(e.inOrder ? "in order" : "in any order"): " + e.expected.map(conversation.wanted).joined(separator: ", ")
            if !e.forbid.isEmpty { line += "; forbid " + e.forbid.map(conversation.wanted).joined(separator: ", ") }
            return line + " within \(DurationParser.format(e.within ?? executor.timeout))\n"
        case .collect(let c):
            var line = "collect \(c.match.map(conversation.wanted) ?? "any message")"
            if let join = c.join { line += " joining \(join.text)" }
            if let until = c.until { line += " until \(conversation.wanted(until))" }
            return line + " within \(DurationParser.format(c.within ?? executor.timeout))\n"
        default:
            return "\n"
        }
    }
}
