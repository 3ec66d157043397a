/// An HTTP request as written in a plan (templates not yet rendered).
public struct HTTPRequestSpec: Sendable {
    public var method: String
    public var url: Template
    public var headers: [(String, Template)]
    public var query: [(String, Template)]
    public var body: RequestBody?
    public var timeout: Duration?
    public var position: SourcePosition

    public init(method: String, url: Template, position: SourcePosition) {
        self.method = method
        self.url = url
        self.headers = []
        self.query = []
        self.position = position
    }

    /// Methods the spec treats as not idempotent: retried only when never sent.
    public var isIdempotent: Bool { !["POST", "PATCH"].contains(method) }

    public func forEachTemplate(_ body: (Template) -> Void) {
        body(url)
        headers.forEach { body($0.1) }
        query.forEach { body($0.1) }
        switch self.body {
        case .json(let v): v.forEachTemplate(body)
        case .text(let t): body(t)
        case .form(let f): f.forEach { body($0.1) }
        case nil: break
        }
    }
}

public enum RequestBody: Sendable {
    case json(ValueTemplate)
    case text(Template)
    case form([(String, Template)])
}

/// A WebSocket case: where to connect and the conversation to hold.
public struct WebSocketSpec: Sendable {
    public var url: Template
    public var headers: [(String, Template)]
    public var subprotocols: [Template]
    public var steps: [WebSocketStep]
    public var position: SourcePosition

    public init(url: Template, position: SourcePosition) {
        self.url = url
        self.headers = []
        self.subprotocols = []
        self.steps = []
        self.position = position
    }
}

public struct WebSocketStep: Sendable {
    public enum Action: Sendable {
        case send(WebSocketPayload)
        case receive(ReceiveStep)
        case close(Int)
        case events(EventsStep)
        case collect(CollectStep)
    }
    public var action: Action
    public var position: SourcePosition


    package init(action: Action, position: SourcePosition) {

        self.action = action

        self.position = position

    }
}

public enum WebSocketPayload: Sendable {
    case json(ValueTemplate)
    case text(Template)
}

public struct ReceiveStep: Sendable {
    /// SSE only: the event name (default `message`).
    public var event: Matcher?
    /// SSE only: the last event id.
    public var id: Matcher?
    public var position = SourcePosition(line: 0, column: 0)
    public var json: [JSONAssertion]
    public var text: Matcher?
    public var within: Duration?
    public var skipOthers: Bool
    public var captures: [Capture]


    package init(json: [JSONAssertion], text: Matcher? = nil, within: Duration? = nil, skipOthers: Bool, captures: [Capture]) {

        self.json = json

        self.text = text

        self.within = within

        self.skipOthers = skipOthers

        self.captures = captures

    }
}
