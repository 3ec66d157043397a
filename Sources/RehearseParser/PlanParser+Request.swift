import RehearseModel
import RehearseDiagnostics

extension PlanParser {
    static let methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
    static let requestKeys = ["method", "url", "headers", "query", "json", "body", "form", "timeout"]

    func request(_ node: YAMLNode, extraKeys: [String] = [], what: String = "request") -> HTTPRequestSpec? {
        if let s = node.scalar {
            // Shorthand "METHOD URL", split by bytes: this runs for most cases of a suite.
            let b = Array(s.utf8)
            var i = 0
            while i < b.count, b[i] == 32 { i += 1 }
            let methodStart = i
            while i < b.count, b[i] != 32 { i += 1 }
            let methodEnd = i
            while i < b.count, b[i] == 32 { i += 1 }
            var urlEnd = b.count
            while urlEnd > i, b[urlEnd - 1] == 32 { urlEnd -= 1 }
            guard methodEnd > methodStart, urlEnd > i else {
                ctx.error(.invalidValue, "request shorthand must be 'METHOD URL', found '\(s)'", node,
                          hint: "for example `request: GET {{ base_url }}/health`")
                return nil
            }
            let method = String(decoding: b[methodStart..<methodEnd], as: UTF8.self)
            let rest = String(decoding: b[i..<urlEnd], as: UTF8.self)
            guard checkMethod(method, node: node) else { return nil }
            // Character offset of the URL in the scalar, for carets under template errors.
            let urlOffset = b[..<i].allSatisfy { $0 < 0x80 } ? i : String(decoding: b[..<i], as: UTF8.self).count
            guard let url = urlTemplate(rest, node: node, offset: urlOffset) else { return nil }
            return HTTPRequestSpec(method: method, url: url, position: node.position)
        }
        guard let pairs = ctx.mapping(node, what: what, allowed: Self.requestKeys + extraKeys,
                                      hint: "write `\(what): GET URL` or a mapping with method, url, headers, query, json/body/form")
        else { return nil }
        guard let urlNode = node["url"] else {
            ctx.error(.missingKey, "\(what) needs a `url`", node)
            return nil
        }
        var method = "GET"
        if let m = node["method"], let s = ctx.string(m, what: "method") {
            guard checkMethod(s.uppercased(), node: m) else { return nil }
            method = s.uppercased()
        }
        guard let urlString = ctx.string(urlNode, what: "url"),
              let url = urlTemplate(urlString, node: urlNode, offset: 0) else { return nil }
        var spec = HTTPRequestSpec(method: method, url: url, position: node.position)
        var bodies: [YAMLNode] = []
        for p in pairs {
            switch p.key.scalar {
            case "headers": spec.headers = ctx.templateMap(p.value, what: "headers")
            case "query": spec.query = ctx.templateMap(p.value, what: "query")
            case "json":
                bodies.append(p.key)
                spec.body = .json(ctx.valueTemplate(p.value))
            case "body":
                bodies.append(p.key)
                if let t = ctx.template(p.value, what: "body") { spec.body = .text(t) }
            case "form":
                bodies.append(p.key)
                spec.body = .form(ctx.templateMap(p.value, what: "form"))
            case "timeout": spec.timeout = ctx.duration(p.value, what: "timeout")
            default: break
            }
        }
        if bodies.count > 1 {
            ctx.error(.invalidValue, "a request has one body: `json`, `body` or `form`", bodies[1],
                      hint: "keep one of \(bodies.compactMap(\.scalar).joined(separator: " and "))")
        }
        return spec
    }

    private func checkMethod(_ method: String, node: YAMLNode) -> Bool {
        if Self.methods.contains(method) { return true }
        ctx.error(.invalidValue, "unknown HTTP method '\(method)'", node,
                  hint: Suggestions.hint(for: method, in: Self.methods) ?? "use one of \(Self.methods.joined(separator: ", "))")
        return false
    }

    private func urlTemplate(_ s: String, node: YAMLNode, offset: Int) -> Template? {
        if let t = ctx.template(s, node: node, offset: offset) {
            if let literal = t.literalValue, !literal.contains("://") {
                ctx.error(.invalidValue, "URL '\(literal)' has no scheme", node,
                          hint: "start it with http://, https://, ws:// or wss://, or a variable such as {{ base_url }}")
            }
            return t
        }
        return nil
    }

    // MARK: WebSocket

    func websocket(_ node: YAMLNode) -> WebSocketSpec? {
        guard let pairs = ctx.mapping(node, what: "websocket", allowed: ["url", "headers", "subprotocols", "steps"]) else {
            return nil
        }
        guard let urlNode = node["url"] else {
            ctx.error(.missingKey, "websocket needs a `url`", node)
            return nil
        }
        guard let urlString = ctx.string(urlNode, what: "url"), let url = urlTemplate(urlString, node: urlNode, offset: 0)
        else { return nil }
        var spec = WebSocketSpec(url: url, position: node.position)
        for p in pairs {
            switch p.key.scalar {
            case "headers": spec.headers = ctx.templateMap(p.value, what: "headers")
            case "subprotocols":
                spec.subprotocols = ctx.stringList(p.value, what: "subprotocols").map {
                    ctx.template($0.value, node: p.value) ?? Template(literal: $0.value)
                }
            case "steps":
                guard let items = p.value.items else {
                    ctx.typeError(p.value, expected: "a list of steps", what: "steps")
                    continue
                }
                spec.steps = items.compactMap { step($0, sse: false) }
            default: break
            }
        }
        return spec
    }

    func step(_ node: YAMLNode, sse: Bool) -> WebSocketStep? {
        let kinds = ["send", "receive", "close", "events", "collect"]
        let what = sse ? "an SSE step" : "a WebSocket step"
        guard let pairs = ctx.mapping(node, what: what, allowed: kinds,
                                      hint: sse ? "a step is `receive: {...}`, `events: {...}` or `collect: {...}`"
                                          : "a step is `send: {...}`, `receive: {...}` or `close: 1000`") else { return nil }
        guard pairs.count == 1, let key = pairs[0].key.scalar else {
            if !pairs.isEmpty {
                ctx.error(.invalidValue, sse ? "an SSE step has exactly one of receive, events, collect"
                                             : "a WebSocket step has exactly one of send, receive, close", node,
                          hint: "start a new list item ('- ') for each step")
            } else {
                ctx.error(.missingKey, "empty WebSocket step", node)
            }
            return nil
        }
        // A misspelled step was reported as an unknown key; reading it as another step would only add noise.
        guard kinds.contains(key) else { return nil }
        let v = pairs[0].value
        if sse, key == "send" || key == "close" {
            ctx.error(.streamStep, "`\(key)` is a WebSocket step; an SSE stream only receives", pairs[0].key,
                      hint: key == "send" ? "send data in the request (`json:`, `body:` or `form:` under `sse:`)"
                          : "the client closes the stream itself once the steps are done")
            return nil
        }
        switch key {
        case "events":
            return events(v, sse: sse).map { WebSocketStep(action: .events($0), position: node.position) }
        case "collect":
            return collect(v, sse: sse).map { WebSocketStep(action: .collect($0), position: node.position) }
        case "send":
            guard let sp = ctx.mapping(v, what: "send", allowed: ["json", "text"]) else { return nil }
            guard sp.count == 1 else {
                ctx.error(.invalidValue, "send takes one of `json` or `text`", v)
                return nil
            }
            if sp[0].key.scalar == "json" {
                return WebSocketStep(action: .send(.json(ctx.valueTemplate(sp[0].value))), position: node.position)
            }
            guard let t = ctx.template(sp[0].value, what: "send.text") else { return nil }
            return WebSocketStep(action: .send(.text(t)), position: node.position)
        case "receive":
            guard let r = receive(v, sse: sse) else { return nil }
            return WebSocketStep(action: .receive(r), position: node.position)
        default:
            guard let code = ctx.int(v, what: "close", min: 1000) else { return nil }
            if code > 4999 {
                ctx.error(.invalidValue, "close code \(code) is out of range", v, hint: "use 1000 (normal) or a code from 1000 to 4999")
                return nil
            }
            return WebSocketStep(action: .close(code), position: node.position)
        }
    }

    private func receive(_ node: YAMLNode, sse: Bool) -> ReceiveStep? {
        guard let pairs = ctx.mapping(node, what: "receive",
                                      allowed: ["event", "id", "json", "text", "within", "skip_others", "capture"])
        else { return nil }
        var step = ReceiveStep(json: [], text: nil, within: nil, skipOthers: false, captures: [])
        step.position = node.position
        for p in pairs {
            switch p.key.scalar {
            case "event", "id":
                guard sseOnly(p, sse: sse) else { continue }
                let m = matcher(p.value, what: "receive.\(p.key.scalar ?? "")")
                if p.key.scalar == "event" { step.event = m } else { step.id = m }
            case "json": step.json = jsonAssertions(p.value, what: "receive.json")
            case "text": step.text = matcher(p.value, what: "receive.text")
            case "within": step.within = ctx.duration(p.value, what: "within")
            case "skip_others": step.skipOthers = ctx.bool(p.value, what: "skip_others") ?? false
            case "capture": step.captures = captures(p.value, fromMessage: true)
            default: break
            }
        }
        return step
    }
}
