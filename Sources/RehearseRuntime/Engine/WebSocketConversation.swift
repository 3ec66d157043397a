import Foundation
import RehearseModel
import RehearseDiagnostics
import RehearseCompiler
import RehearseResults

/// The steps of one WebSocket case, held over an open connection: sends rendered messages,
/// waits for and checks received ones, keeps their captures, and remembers the last messages
/// received so a failure can show what came instead.
struct WebSocketConversation {
    let connection: any WebSocketConnection
    let context: RunContext
    let planFile: String
    let caseID: String
    /// `within` of a receive step that gives none: the case's timeout.
    let defaultWithin: Duration
    /// Grows with each step's captures, so later steps of the case can use `{{ case-id.name }}`.
    private(set) var renderer: TemplateRenderer
    private(set) var captured: [String: JSONValue] = [:]
    /// The last few messages received, already masked and shortened for display.
    private(set) var recent: [String] = []
    private(set) var receivedCount = 0
    /// A `close` step ran: the case does not close again at the end.
    private(set) var closedByStep = false

    static let recentLimit = 5
    static let shownLength = 200

    init(connection: any WebSocketConnection, context: RunContext, planFile: String, caseID: String,
         defaultWithin: Duration, renderer: TemplateRenderer) {
        self.connection = connection
        self.context = context
        self.planFile = planFile
        self.caseID = caseID
        self.defaultWithin = defaultWithin
        self.renderer = renderer
    }

    /// Runs the steps in order and stops at the first that fails; nil when all held.
    mutating func run(_ steps: [WebSocketStep]) async -> Failure? {
        for (i, step) in steps.enumerated() {
            let label = "step \(i + 1) (\(Self.kind(step)))"
            let at = SourceLocation(file: planFile, position: step.position)
            if context.isCancelled { return Failure(.interrupted, "\(label): interrupted", at: at) }
            let failure: Failure?
            switch step.action {
            case .send(let payload): failure = await send(payload, label: label, at: at)
            case .receive(let r): failure = await receive(r, label: label, at: at)
            case .close(let code):
                await connection.close(code: code)
                closedByStep = true
                failure = nil
            }
            if let failure { return failure }
        }
        return nil
    }

    static func kind(_ step: WebSocketStep) -> String {
        switch step.action {
        case .send: return "send"
        case .receive: return "receive"
        case .close: return "close"
        }
    }

    private func send(_ payload: WebSocketPayload, label: String, at: SourceLocation) async -> Failure? {
        let text: String
        do {
            switch payload {
            case .json(let v): text = try renderer.render(v).jsonText
            case .text(let t): text = try renderer.renderString(t)
            }
        } catch {
            return Failure(.template, "\(label): cannot render the message: \(error.message)", at: at)
        }
        do throws(TransportError) { try await connection.send(text: text) } catch {
            // The server went away between steps: its behaviour, so an assertion failure.
            return Failure(.assertion, "\(label): \(error.message)", at: at)
        }
        return nil
    }

    /// Waits for a matching message. `within` bounds the whole step, so with `skip_others` a
    /// stream of non-matching messages cannot stretch it.
    private mutating func receive(_ r: ReceiveStep, label: String, at: SourceLocation) async -> Failure? {
        let within = r.within ?? defaultWithin
        let started = context.clock.instant()
        var passedOver = 0
        var lastMismatch: String?
        while true {
            let remaining = within - (context.clock.instant() - started)
            let event = remaining > .zero ? await connection.receive(within: remaining) : .timedOut
            switch event {
            case .message(let message):
                remember(message)
                let why: String?
                do { why = try mismatch(r, message) } catch {
                    return Failure(.template, "\(label): cannot render an expected value: \(error.message)", at: at)
                }
                guard let why else { return keepCaptures(r, message, label: label, at: at) }
                guard r.skipOthers else {
                    return Failure(.assertion, "\(label): the next message did not match: \(why)", at: at)
                }
                passedOver += 1
                lastMismatch = why
                if context.isCancelled { return Failure(.interrupted, "\(label): interrupted", at: at) }
            case .closed(let code):
                var text = "\(label): the server closed the connection (\(Self.describeClose(code))) while waiting for \(wanted(r))"
                if passedOver > 0 { text += "; \(Self.count(passedOver, "other message")) passed over before" }
                return Failure(.assertion, text, at: at)
            case .messageTooLarge(let limit):
                var text = "\(label): a message over the \(ByteCount.text(limit)) limit arrived, so the connection was "
                    + "closed (code 1009, message too big) while waiting for \(wanted(r))"
                if passedOver > 0 { text += "; \(Self.count(passedOver, "other message")) passed over before" }
                return Failure(.assertion, text, at: at)
            case .timedOut:
                var text = "\(label): no message matching \(wanted(r)) within \(DurationParser.format(within))"
                if let lastMismatch {
                    text += "; passed over \(Self.count(passedOver, "other message")), the last: \(lastMismatch)"
                } else {
                    text += "; nothing arrived in that time"
                }
                return Failure(.assertion, text, at: at)
            }
        }
    }

    /// Why a message does not match the step (nil: it matches). A step with neither `json` nor
    /// `text` takes any message.
    func mismatch(_ r: ReceiveStep, _ message: WebSocketMessage) throws(RenderError) -> String? {
        let evaluator = MatcherEvaluator(renderer: renderer)
        var reasons: [String] = []
        if !r.json.isEmpty {
            guard let doc = try? JSONValue.parse(Data(message.bytes)) else {
                return "not JSON: \(Self.show(message.text))"
            }
            for a in r.json {
                if let why = try evaluator.check(a.matcher, path: a.path, in: doc) {
                    reasons.append("\(a.path.text): \(why)")
                }
            }
        }
        if let t = r.text, let why = try evaluator.check(t, .string(message.text)) { reasons.append("text: \(why)") }
        return reasons.isEmpty ? nil : reasons.joined(separator: "; ")
    }

    /// What a receive step waits for, as failure messages show it.
    func wanted(_ r: ReceiveStep) -> String {
        let evaluator = MatcherEvaluator(renderer: renderer)
        var parts = r.json.map { "\($0.path.text): \(evaluator.describe($0.matcher))" }
        if let t = r.text { parts.append("text: \(evaluator.describe(t))") }
        return parts.isEmpty ? "any message" : "{" + parts.joined(separator: ", ") + "}"
    }

    private mutating func keepCaptures(_ r: ReceiveStep, _ message: WebSocketMessage, label: String, at: SourceLocation)
        -> Failure?
    {
        guard !r.captures.isEmpty else { return nil }
        let checker = ExpectationChecker(evaluator: MatcherEvaluator(renderer: renderer), planFile: planFile,
                                         schemas: context.schemas)
        let observed = ObservedResponse(status: 101, headers: [], body: message.bytes, duration: .zero, parseJSON: true)
        let (values, failures) = checker.captures(r.captures, observed)
        if let f = failures.first {
            let text = f.message.replacingOccurrences(of: "body is not JSON", with: "the message is not JSON")
                .replacingOccurrences(of: "did not match the body", with: "did not match the message")
            return Failure(.assertion, "\(label): \(text)", at: f.location ?? at)
        }
        for (name, value) in values {
            captured[name] = value
            renderer.scope.captures[caseID, default: [:]][name] = value
        }
        return nil
    }

    private mutating func remember(_ message: WebSocketMessage) {
        receivedCount += 1
        let text: String
        switch message {
        case .text(let s): text = s
        case .binary(let b):
            // Text sent in binary frames (JSON often is) stays readable; anything else is named.
            text = BodyText.isText(b, contentType: nil)
                ? "(binary, \(Self.count(b.count, "byte"))) " + String(decoding: b, as: UTF8.self)
                : "<\(Self.count(b.count, "byte")), binary message>"
        }
        recent.append(Self.show(context.masker.mask(text)))
        if recent.count > Self.recentLimit { recent.removeFirst() }
    }

    /// The transcript failure details show: the last messages, oldest first.
    var transcript: String {
        guard receivedCount > 0 else { return "no messages received" }
        let head = receivedCount > recent.count
            ? "last \(recent.count) of \(receivedCount) messages received:" : "\(Self.count(receivedCount, "message")) received:"
        return ([head] + recent).joined(separator: "\n")
    }

    /// One line of at most `shownLength` characters (masking happens before, so a cut never
    /// leaves half a secret unmasked).
    static func show(_ text: String) -> String {
        let line = text.replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\n", with: "\\n")
        return line.count > shownLength ? String(line.prefix(shownLength)) + "… (\(line.count) chars)" : line
    }

    static func describeClose(_ code: Int?) -> String {
        guard let code else { return "without a close frame, 1006" }
        let names = [1000: "normal closure", 1001: "going away", 1002: "protocol error", 1003: "unsupported data",
                     1007: "invalid payload", 1008: "policy violation", 1009: "message too big",
                     1011: "internal server error"]
        return names[code].map { "code \(code), \($0)" } ?? "code \(code)"
    }

    static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
}
