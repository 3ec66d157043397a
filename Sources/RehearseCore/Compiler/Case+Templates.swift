extension Matcher {
    func forEachTemplate(_ body: (Template) -> Void) {
        switch self {
        case .equals(let v), .contains(let v): v.forEachTemplate(body)
        case .not(let m): m.forEachTemplate(body)
        case .matches(let r): body(r.pattern)
        case .oneOf(let vs): vs.forEach { $0.forEachTemplate(body) }
        case .all(let ms): ms.forEach { $0.forEachTemplate(body) }
        case .exists, .type, .length, .range: break
        }
    }
}

extension Expectation {
    func forEachTemplate(_ visit: (Template) -> Void) {
        json.forEach { $0.matcher.forEachTemplate(visit) }
        headers.forEach { $0.matcher.forEachTemplate(visit) }
        body?.forEachTemplate(visit)
    }
}

extension Capture {
    func forEachTemplate(_ body: (Template) -> Void) {
        if case .body(let r) = source { body(r.pattern) }
    }
}

extension Case {
    /// Every template a case holds, with a position to fall back on when the template has none.
    public func forEachTemplate(_ body: (Template, SourcePosition) -> Void) {
        switch kind {
        case .http(let r): r.forEachTemplate { body($0, r.position) }
        case .websocket(let ws):
            body(ws.url, ws.position)
            ws.headers.forEach { body($0.1, ws.position) }
            ws.subprotocols.forEach { body($0, ws.position) }
            for step in ws.steps {
                switch step.action {
                case .send(.json(let v)): v.forEachTemplate { body($0, step.position) }
                case .send(.text(let t)): body(t, step.position)
                case .receive(let r):
                    r.json.forEach { $0.matcher.forEachTemplate { body($0, step.position) } }
                    r.text?.forEachTemplate { body($0, step.position) }
                    r.captures.forEach { $0.forEachTemplate { body($0, step.position) } }
                case .close: break
                }
            }
        }
        // Positions go into locals first: a closure that reads `self` copies the whole case.
        let expectPosition = expect.position ?? position
        expect.forEachTemplate { body($0, expectPosition) }
        if let retry, let until = retry.until {
            let retryPosition = retry.position
            until.forEachTemplate { body($0, retryPosition) }
        }
        for c in captures {
            let capturePosition = c.position
            c.forEachTemplate { body($0, capturePosition) }
        }
    }
}

extension AuthProfile {
    public func forEachTemplate(_ body: (Template) -> Void) {
        switch kind {
        case .jwt(let j):
            j.secretDefault.map(body)
            j.claims.forEach { $0.1.forEachTemplate(body) }
        case .basic(let u, let p): body(u); body(p)
        case .header(_, let v): body(v)
        case .bearer(let t): body(t)
        case .login(let l):
            l.request.forEachTemplate(body)
            l.expect.forEachTemplate(body)
        }
    }
}
