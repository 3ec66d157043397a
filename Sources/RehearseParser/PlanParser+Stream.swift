import RehearseModel
import RehearseDiagnostics

/// `sse:` cases and the stream steps of spec §8: `events`, `collect` and the message matcher.
extension PlanParser {
    static let messageMatcherKeys = ["event", "id", "json", "text", "capture"]

    func sse(_ node: YAMLNode) -> SSESpec? {
        if node.scalar != nil {
            ctx.typeError(node, expected: "a mapping with url and steps", what: "sse",
                          hint: "write `sse: {method: POST, url: ..., json: {...}, steps: [...]}`")
            return nil
        }
        guard let request = request(node, extraKeys: ["steps"], what: "sse") else { return nil }
        var steps: [WebSocketStep] = []
        if let s = node["steps"] {
            if let items = s.items {
                steps = items.compactMap { step($0, sse: true) }
            } else {
                ctx.typeError(s, expected: "a list of steps", what: "steps")
            }
        }
        return SSESpec(request: request, steps: steps, position: node.position)
    }

    /// Static helper for the "expects nothing" check: steps that check what arrives.
    static func checkingSteps(_ steps: [WebSocketStep]) -> Int {
        steps.filter {
            switch $0.action {
            case .receive, .events, .collect: return true
            case .send, .close: return false
            }
        }.count
    }

    /// `event` and `id` belong to SSE events: a WebSocket frame has neither.
    func sseOnly(_ p: YAMLPair, sse: Bool) -> Bool {
        if sse { return true }
        let key = p.key.scalar ?? ""
        ctx.error(.streamStep, "`\(key)` matches SSE events; a WebSocket message has no \(key == "event" ? "event name" : "event id")",
                  p.key, hint: "match the message's JSON instead, e.g. `json: {$.type: agent_started}`")
        return false
    }

    /// A message matcher: `event`, `id` (SSE only), `json`, `text`, `capture`.
    func messageMatcher(_ node: YAMLNode, what: String, sse: Bool) -> MessageMatcher? {
        guard let pairs = ctx.mapping(node, what: what, allowed: Self.messageMatcherKeys,
                                      hint: "a message matcher is a map of event, id, json, text and capture") else { return nil }
        var m = MessageMatcher(position: node.position)
        var failed = false
        for p in pairs {
            let v = p.value
            switch p.key.scalar {
            case "event", "id":
                guard sseOnly(p, sse: sse) else { failed = true; continue }
                let matcher = matcher(v, what: "\(what).\(p.key.scalar ?? "")")
                if p.key.scalar == "event" { m.event = matcher } else { m.id = matcher }
            case "json": m.json = jsonAssertions(v, what: "\(what).json")
            case "text": m.text = matcher(v, what: "\(what).text")
            case "capture": m.captures = captures(v, fromMessage: true)
            default: break
            }
        }
        return failed ? nil : m
    }

    func messageMatchers(_ node: YAMLNode, what: String, sse: Bool) -> [MessageMatcher]? {
        guard let items = node.items else {
            ctx.typeError(node, expected: "a list of message matchers", what: what,
                          hint: "for example `\(what): [{event: tool_executing}, {event: tool_completed}]`")
            return nil
        }
        let out = items.compactMap { messageMatcher($0, what: what, sse: sse) }
        return out.count == items.count ? out : nil
    }

    func events(_ node: YAMLNode, sse: Bool) -> EventsStep? {
        guard let pairs = ctx.mapping(node, what: "events", allowed: ["in_order", "any_order", "forbid", "within"],
                                      hint: "write `events: {in_order: [...], forbid: [...], within: 30s}`") else { return nil }
        var expected: [MessageMatcher]?, inOrder = true, forbid: [MessageMatcher] = [], within: Duration?
        var lists: [YAMLNode] = []
        for p in pairs {
            switch p.key.scalar {
            case "in_order", "any_order":
                lists.append(p.key)
                inOrder = p.key.scalar == "in_order"
                expected = messageMatchers(p.value, what: p.key.scalar ?? "", sse: sse)
                if expected?.isEmpty == true {
                    ctx.error(.invalidValue, "`\(p.key.scalar ?? "")` lists no message", p.value,
                              hint: "list the messages that must arrive")
                    expected = nil
                }
            case "forbid": forbid = messageMatchers(p.value, what: "forbid", sse: sse) ?? []
            case "within": within = ctx.duration(p.value, what: "events.within")
            default: break
            }
        }
        if lists.count > 1 {
            ctx.error(.invalidValue, "`events` takes one of `in_order` and `any_order`", lists[1],
                      hint: "use two `events` steps to check two groups")
            return nil
        }
        if lists.isEmpty, pairs.allSatisfy({ ["in_order", "any_order", "forbid", "within"].contains($0.key.scalar ?? "") }) {
            ctx.error(.missingKey, "`events` needs `in_order` or `any_order`", node,
                      hint: "for example `events: {in_order: [{event: agent_started}], within: 10s}`")
            return nil
        }
        guard !lists.isEmpty, let expected else { return nil }
        return EventsStep(expected: expected, inOrder: inOrder, forbid: forbid, within: within)
    }

    static let collectKeys = ["match", "join", "until", "within", "count", "text", "first", "gap", "capture"]

    func collect(_ node: YAMLNode, sse: Bool) -> CollectStep? {
        guard let pairs = ctx.mapping(node, what: "collect", allowed: Self.collectKeys,
                                      hint: "write `collect: {match: {...}, join: $.delta, until: {...}, within: 60s}`") else { return nil }
        var c = CollectStep()
        for p in pairs {
            let v = p.value
            switch p.key.scalar {
            case "match": c.match = messageMatcher(v, what: "collect.match", sse: sse)
            case "until": c.until = messageMatcher(v, what: "collect.until", sse: sse)
            case "join":
                guard let text = ctx.string(v, what: "collect.join") else { continue }
                guard text.hasPrefix("$") else {
                    ctx.error(.jsonPath, "collect.join must be a JSONPath, found '\(text)'", v,
                              hint: "JSONPaths start with '$': write `$.\(text)`")
                    continue
                }
                c.join = ctx.jsonPath(text, node: v, what: "collect.join")
            case "within": c.within = ctx.duration(v, what: "collect.within")
            case "count": c.count = matcher(v, what: "collect.count")
            case "text": c.text = matcher(v, what: "collect.text")
            case "first":
                if v.scalar != nil {
                    c.first = ctx.duration(v, what: "collect.first")
                } else if let fp = ctx.mapping(v, what: "collect.first", allowed: ["max"]) {
                    if let m = fp.first(where: { $0.key.scalar == "max" }) {
                        c.first = ctx.duration(m.value, what: "collect.first.max")
                    } else {
                        ctx.error(.missingKey, "collect.first needs `max:`", v, hint: "write `first: {max: 2s}`")
                    }
                }
            case "gap": c.gap = gapLimits(v)
            case "capture":
                guard let name = ctx.string(v, what: "collect.capture") else { continue }
                if name.isEmpty || !name.allSatisfy(TemplateParser.isNameChar) {
                    ctx.error(.invalidValue, "capture name '\(name)' may only hold letters, digits, '_' and '-'", v,
                              hint: "`capture: answer` names the joined text, used later as {{ case-id.answer }}")
                    continue
                }
                c.capture = name
            default: break
            }
        }
        return c
    }

    /// `gap: {p50, p90, p95, p99, max}`: limits on the time between consecutive messages.
    private func gapLimits(_ node: YAMLNode) -> LatencyLimits? {
        let keys: [(String, Double)] = [("p50", 50), ("p90", 90), ("p95", 95), ("p99", 99), ("max", 100)]
        guard let pairs = ctx.mapping(node, what: "collect.gap", allowed: keys.map(\.0),
                                      hint: "for example `gap: {p95: 250ms, max: 2s}`") else { return nil }
        var limits: [(percentile: Double, label: String, max: Duration)] = []
        for p in pairs {
            guard let k = p.key.scalar, let pct = keys.first(where: { $0.0 == k })?.1,
                  let d = ctx.duration(p.value, what: "collect.gap.\(k)") else { continue }
            limits.append((pct, k, d))
        }
        return limits.isEmpty ? nil : LatencyLimits(limits: limits.sorted { $0.percentile < $1.percentile })
    }
}
