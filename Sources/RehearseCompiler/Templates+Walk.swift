import RehearseModel
import RehearseDiagnostics
import RehearseParser

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
        case .oauth2(let o):
            [o.tokenURL, o.clientID, o.clientSecret].forEach(body)
            o.scope.map(body)
            o.audience.map(body)
        }
        if let probe {
            probe.request.forEachTemplate(body)
            probe.expect.forEachTemplate(body)
        }
    }
}
