#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseDiagnostics
import RehearseCompiler
import RehearseResults

/// The steps of one stream case, WebSocket or SSE, held over an open stream (spec §8): sends
/// rendered messages (WebSocket), waits for and checks received ones (`receive`, `events`,
/// `collect`), keeps their captures, measures the timing of stream steps, and remembers the
/// last messages received so a failure can show what came instead.
struct StreamConversation {
    let stream: any MessageStream
    /// The connection `send` and `close` use; nil for an SSE case (the parser refuses both there).
    let connection: (any WebSocketConnection)?
    let context: RunContext
    let planFile: String
    let caseID: String
    /// `within` of a step that gives none: the case's timeout.
    let defaultWithin: Duration
    /// Grows with each step's captures, so later steps of the case can use `{{ case-id.name }}`.
    var renderer: TemplateRenderer
    var captured: [String: JSONValue] = [:]
    /// The last few messages received, kept raw: they are masked and shortened only when a failure
    /// shows them, so a stream of 100,000 tokens costs no formatting.
    /// The last messages read from batches before `pending` (at most `recentLimit`, oldest
    /// first): with the read part of `pending`, what a failure shows. Kept per batch, not per
    /// message, so a stream of 100,000 tokens costs no copying.
    var recentMessages: [StreamMessage] = []
    var receivedCount = 0
    /// The batch the stream handed over last and how far the steps have read it: messages are
    /// taken from the stream a batch at a time and given to the steps one by one.
    var pending = StreamMessageBatch.empty
    var pendingIndex = 0
    /// A `close` step ran, or the stream ended: the case does not close again at the end.
    var closedByStep = false
    /// The stream ended (SSE body finished, WebSocket closed): later waits end at once.
    var ended: StreamEnd?
    /// Where `first` is measured from: the request being sent (SSE), or the last `send` (WebSocket).
    var origin: ContinuousClock.Instant
    /// Where arrival times in failure messages are measured from.
    let start: ContinuousClock.Instant
    var stats: [StreamStepStats] = []

    static let recentLimit = 5
    static let shownLength = 200

    init(stream: any MessageStream, connection: (any WebSocketConnection)?, context: RunContext, planFile: String,
         caseID: String, defaultWithin: Duration, renderer: TemplateRenderer, origin: ContinuousClock.Instant = .now) {
        self.stream = stream
        self.connection = connection
        self.context = context
        self.planFile = planFile
        self.caseID = caseID
        self.defaultWithin = defaultWithin
        self.renderer = renderer
        self.origin = origin
        self.start = origin
    }

    var isSSE: Bool { connection == nil }

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
            case .events(let e): failure = await events(e, index: i + 1, label: label, at: at)
            case .collect(let c): failure = await collect(c, index: i + 1, label: label, at: at)
            case .close(let code):
                await connection?.close(code: code)
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
        case .events: return "events"
        case .collect: return "collect"
        }
    }

    private mutating func send(_ payload: WebSocketPayload, label: String, at: SourceLocation) async -> Failure? {
        guard let connection else { return Failure(.configuration, "\(label): an SSE stream cannot send", at: at) }
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
        origin = .now
        return nil
    }

    /// The next event of the stream, waiting at most until `deadline` (on the run's clock).
    mutating func next(until deadline: ContinuousClock.Instant) async -> StreamEvent {
        if let m = nextPending() { return .message(m) }
        if let ended { return .ended(ended) }
        let remaining = deadline - context.clock.instant()
        guard remaining > .zero else { return .timedOut }
        switch await stream.nextBatch(within: remaining) {
        case .messages(let batch):
            replacePending(batch)
            guard let m = nextPending() else { return .timedOut }
            return .message(m)
        case .ended(let end):
            replacePending(.empty)
            ended = end
            return .ended(end)
        case .timedOut:
            return .timedOut
        }
    }

    /// The next message of the batch in hand, without waiting (and without an async call, which
    /// costs a frame per message): nil when the batch is read.
    mutating func nextPending() -> StreamMessage? {
        guard pendingIndex < pending.count else { return nil }
        let m = pending[pendingIndex]
        pendingIndex += 1
        receivedCount += 1
        return m
    }

    /// Takes a new batch, keeping the last messages read from the one before.
    private mutating func replacePending(_ batch: StreamMessageBatch) {
        if pendingIndex > 0 {
            let read = pending.messages(max(0, pendingIndex - Self.recentLimit) ..< pendingIndex)
            recentMessages = Array((recentMessages + read).suffix(Self.recentLimit))
        }
        pending = batch
        pendingIndex = 0
    }

    /// Waits for a matching message. `within` bounds the whole step, so with `skip_others` a
    /// stream of non-matching messages cannot stretch it.
    private mutating func receive(_ r: ReceiveStep, label: String, at: SourceLocation) async -> Failure? {
        let within = r.within ?? defaultWithin
        let deadline = context.clock.instant() + within
        let matcher = r.matcher
        var passedOver = 0
        var lastMismatch: String?
        while true {
            switch await next(until: deadline) {
            case .message(let message):
                let why: String?
                do { why = try mismatch(matcher, message) } catch {
                    return Failure(.template, "\(label): cannot render an expected value: \(error.message)", at: at)
                }
                guard let why else { return keepCaptures(matcher.captures, message, label: label, at: at) }
                guard r.skipOthers else {
                    return Failure(.assertion, "\(label): the next message did not match: \(why)", at: at)
                }
                passedOver += 1
                lastMismatch = why
                if context.isCancelled { return Failure(.interrupted, "\(label): interrupted", at: at) }
            case .ended(let end):
                var text = "\(label): \(describe(end)) while waiting for \(wanted(matcher))"
                if passedOver > 0 { text += "; \(Self.count(passedOver, "other message")) passed over before" }
                return Failure(.assertion, text, at: at)
            case .timedOut:
                // A wait cut short by an interrupt is no timeout of the server's.
                if context.isCancelled { return Failure(.interrupted, "\(label): interrupted", at: at) }
                var text = "\(label): no message matching \(wanted(matcher)) within \(DurationParser.format(within))"
                if let lastMismatch {
                    text += "; passed over \(Self.count(passedOver, "other message")), the last: \(lastMismatch)"
                } else {
                    text += "; nothing arrived in that time"
                }
                return Failure(.assertion, text, at: at)
            }
        }
    }

    /// How the end of a stream reads in a failure.
    func describe(_ end: StreamEnd) -> String {
        switch end {
        case .closed(let code): return "the server closed the connection (\(Self.describeClose(code)))"
        case .finished: return "the server ended the stream"
        case .tooLarge(let limit):
            return isSSE
                ? "an event over the \(ByteCount.text(limit)) limit arrived, so the stream was closed"
                : "a message over the \(ByteCount.text(limit)) limit arrived, so the connection was closed (code 1009, message too big)"
        case .failed(let why): return "the stream broke off (\(why))"
        }
    }

    /// The last few messages, oldest first, masked and shortened for display, with their arrivals.
    var recent: [(text: String, arrival: ContinuousClock.Instant)] {
        let read = pending.messages(max(0, pendingIndex - Self.recentLimit) ..< pendingIndex)
        return (recentMessages + read).suffix(Self.recentLimit).map { (shown($0), $0.arrival) }
    }

    /// One message as failure details show it.
    func shown(_ message: StreamMessage) -> String {
        var text: String
        if message.isBinary {
            // Text sent in binary frames (JSON often is) stays readable; anything else is named.
            let b = message.bytes
            text = BodyText.isText(b, contentType: nil)
                ? "(binary, \(Self.count(b.count, "byte"))) " + String(decoding: b, as: UTF8.self)
                : "<\(Self.count(b.count, "byte")), binary message>"
        } else {
            text = message.text
        }
        if let event = message.event { text = "event: \(event)  " + text }
        return Self.show(context.masker.mask(text))
    }

    /// The transcript failure details show: the last messages, oldest first.
    var transcript: String {
        guard receivedCount > 0 else { return "no messages received" }
        let recent = self.recent
        let head = receivedCount > recent.count
            ? "last \(recent.count) of \(receivedCount) messages received:" : "\(Self.count(receivedCount, "message")) received:"
        return ([head] + recent.map(\.text)).joined(separator: "\n")
    }

    /// The last messages with their arrival times, for `events` and `collect` failures.
    var recentWithTimes: String {
        guard receivedCount > 0 else { return "nothing arrived" }
        let recent = self.recent
        let head = receivedCount > recent.count ? "the last \(recent.count) of \(receivedCount) received" : "received"
        return head + ": " + recent.map { "[+\(DurationParser.format(Self.rounded($0.arrival - start)))] \($0.text)" }
            .joined(separator: " | ")
    }

    static func rounded(_ d: Duration) -> Duration { .milliseconds(Int64((d / .milliseconds(1)).rounded())) }

    /// One line of at most `shownLength` characters (masking happens before, so a cut never
    /// leaves half a secret unmasked).
    static func show(_ text: String) -> String {
        let line = text.replacingAll("\r", with: "\\r").replacingAll("\n", with: "\\n")
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
