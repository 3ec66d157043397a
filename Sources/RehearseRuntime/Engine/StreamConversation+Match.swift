#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseDiagnostics
import RehearseCompiler
import RehearseResults

extension StreamConversation {
    /// Why a message does not match (nil: it matches). A matcher with no keys takes any message.
    func mismatch(_ m: MessageMatcher, _ message: StreamMessage) throws(RenderError) -> String? {
        let evaluator = MatcherEvaluator(renderer: renderer)
        var reasons: [String] = []
        if let e = m.event, let why = try evaluator.check(e, .string(message.event ?? "message")) {
            reasons.append("event: \(why)")
        }
        if let i = m.id {
            // A message without an id is matched as a missing value, so `{exists: false}` holds.
            if let why = try evaluator.check(i, message.id.map { .string($0) }) { reasons.append("id: \(why)") }
        }
        // The cheap keys first: an event name that differs settles it without parsing JSON.
        if !reasons.isEmpty { return reasons.joined(separator: "; ") }
        if !m.json.isEmpty {
            guard let doc = try? JSONValue.parse(Data(message.bytes)) else {
                return "not JSON: \(Self.show(message.text))"
            }
            for a in m.json {
                if let why = try evaluator.check(a.matcher, path: a.path, in: doc) {
                    reasons.append("\(a.path.text): \(why)")
                }
            }
        }
        if let t = m.text, let why = try evaluator.check(t, .string(message.text)) { reasons.append("text: \(why)") }
        return reasons.isEmpty ? nil : reasons.joined(separator: "; ")
    }

    /// True when the message matches. An `event` written as a plain name is compared directly:
    /// `collect` asks this for every token, and most of them are no `until`.
    func matches(_ m: MessageMatcher, _ message: StreamMessage) throws(RenderError) -> Bool {
        if case .equals(.string(let t))? = m.event, let name = t.literalValue {
            guard name == (message.event ?? "message") else { return false }
            if m.id == nil && m.json.isEmpty && m.text == nil { return true }
        }
        return try mismatch(m, message) == nil
    }

    /// What a matcher waits for, as failure messages show it.
    func wanted(_ m: MessageMatcher) -> String {
        let evaluator = MatcherEvaluator(renderer: renderer)
        var parts: [String] = []
        if let e = m.event { parts.append("event: \(evaluator.describe(e))") }
        if let i = m.id { parts.append("id: \(evaluator.describe(i))") }
        parts += m.json.map { "\($0.path.text): \(evaluator.describe($0.matcher))" }
        if let t = m.text { parts.append("text: \(evaluator.describe(t))") }
        return parts.isEmpty ? "any message" : "{" + parts.joined(separator: ", ") + "}"
    }

    /// Keeps the captures of a matched message, for later steps and cases.
    mutating func keepCaptures(_ captures: [Capture], _ message: StreamMessage, label: String, at: SourceLocation)
        -> Failure?
    {
        guard !captures.isEmpty else { return nil }
        let checker = ExpectationChecker(evaluator: MatcherEvaluator(renderer: renderer), planFile: planFile,
                                         schemas: context.schemas)
        let observed = ObservedResponse(status: isSSE ? 200 : 101, headers: [], body: message.bytes, duration: .zero,
                                        parseJSON: true)
        let (values, failures) = checker.captures(captures, observed)
        if let f = failures.first {
            let text = f.message.replacingAll("body is not JSON", with: "the message is not JSON")
                .replacingAll("did not match the body", with: "did not match the message")
            return Failure(.assertion, "\(label): \(text)", at: f.location ?? at)
        }
        for (name, value) in values { keep(name, value) }
        return nil
    }

    mutating func keep(_ name: String, _ value: JSONValue) {
        captured[name] = value
        renderer.scope.captures[caseID, default: [:]][name] = value
    }
}
