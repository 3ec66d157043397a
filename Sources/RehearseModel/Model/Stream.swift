/// An SSE case (spec §8): an HTTP request whose `text/event-stream` answer is read as a stream
/// of events by the steps. Any request form of `request` works.
public struct SSESpec: Sendable {
    public var request: HTTPRequestSpec
    /// The same step type as a WebSocket conversation; `send` and `close` are refused by the parser.
    public var steps: [WebSocketStep]
    public var position: SourcePosition

    package init(request: HTTPRequestSpec, steps: [WebSocketStep], position: SourcePosition) {
        self.request = request
        self.steps = steps
        self.position = position
    }
}

/// The message matcher of spec §8: `event` and `id` (SSE only), `json`, `text`; every key given
/// must hold. `captures` keep values of the message that matched.
public struct MessageMatcher: Sendable {
    public var event: Matcher?
    public var id: Matcher?
    public var json: [JSONAssertion]
    public var text: Matcher?
    public var captures: [Capture]
    public var position: SourcePosition

    package init(event: Matcher? = nil, id: Matcher? = nil, json: [JSONAssertion] = [], text: Matcher? = nil,
                 captures: [Capture] = [], position: SourcePosition) {
        self.event = event
        self.id = id
        self.json = json
        self.text = text
        self.captures = captures
        self.position = position
    }

    /// True when the matcher takes any message.
    public var isEmpty: Bool { event == nil && id == nil && json.isEmpty && text == nil }
}

/// `events: {in_order | any_order, forbid, within}`.
public struct EventsStep: Sendable {
    public var expected: [MessageMatcher]
    public var inOrder: Bool
    public var forbid: [MessageMatcher]
    public var within: Duration?

    package init(expected: [MessageMatcher], inOrder: Bool, forbid: [MessageMatcher], within: Duration?) {
        self.expected = expected
        self.inOrder = inOrder
        self.forbid = forbid
        self.within = within
    }
}

/// `collect: {match, join, until, within, count, text, first, gap, capture}`.
public struct CollectStep: Sendable {
    /// nil: every message is collected.
    public var match: MessageMatcher?
    public var join: JSONPath?
    public var until: MessageMatcher?
    public var within: Duration?
    public var count: Matcher?
    public var text: Matcher?
    /// Limit on the time to the first collected message.
    public var first: Duration?
    /// Limits on the gaps between consecutive collected messages (nearest rank).
    public var gap: LatencyLimits?
    /// Name the joined text is captured as.
    public var capture: String?

    package init(match: MessageMatcher? = nil, join: JSONPath? = nil, until: MessageMatcher? = nil, within: Duration? = nil,
                 count: Matcher? = nil, text: Matcher? = nil, first: Duration? = nil, gap: LatencyLimits? = nil,
                 capture: String? = nil) {
        self.match = match
        self.join = join
        self.until = until
        self.within = within
        self.count = count
        self.text = text
        self.first = first
        self.gap = gap
        self.capture = capture
    }
}

extension ReceiveStep {
    /// The receive step as a message matcher (the version 1 keys plus `event` and `id`).
    public var matcher: MessageMatcher {
        MessageMatcher(event: event, id: id, json: json, text: text, captures: captures, position: position)
    }
}

extension WebSocketStep {
    /// Names captured by the step's matchers and by `collect.capture`.
    public var capturedNames: [String] {
        switch action {
        case .send, .close: return []
        case .receive(let r): return r.captures.map(\.name)
        case .events(let e): return (e.expected + e.forbid).flatMap { $0.captures.map(\.name) }
        case .collect(let c):
            return [c.match, c.until].compactMap { $0 }.flatMap { $0.captures.map(\.name) } + (c.capture.map { [$0] } ?? [])
        }
    }
}
