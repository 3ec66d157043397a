import RehearseModel
import RehearseDiagnostics

extension PlanParser {
    static let expectKeys = ["status", "json", "headers", "body", "duration", "latency", "schema", "errors", "dropped"]
    static let matcherKeys = ["equals", "not", "matches", "contains", "exists", "type", "length", "min", "max", "one_of"]

    func expectation(_ node: YAMLNode, what: String) -> Expectation {
        var e = Expectation()
        e.position = node.position
        guard let pairs = ctx.mapping(node, what: what, allowed: Self.expectKeys,
                                      hint: "for example `\(what): {status: 200}`") else { return e }
        for p in pairs {
            let v = p.value
            switch p.key.scalar {
            case "status": e.status = status(v)
            case "json": e.json = jsonAssertions(v, what: "\(what).json")
            case "headers":
                guard let hp = ctx.mapping(v, what: "\(what).headers") else { continue }
                var seen: [String: Int] = [:]
                for h in hp {
                    guard let name = ctx.string(h.key, what: "a header name") else { continue }
                    if let line = seen[name.lowercased()] {
                        ctx.error(.duplicateKey, "header '\(name)' is already checked at line \(line)", h.key,
                                  hint: "header names are case-insensitive; combine the matchers in one map")
                        continue
                    }
                    seen[name.lowercased()] = h.key.position.line
                    if let m = matcher(h.value, what: "header '\(name)'") {
                        e.headers.append(HeaderAssertion(name: name, matcher: m, position: h.key.position))
                    }
                }
            case "body": e.body = matcher(v, what: "\(what).body")
            case "duration":
                if v.scalar != nil {
                    e.duration = ctx.duration(v, what: "duration")
                } else if let dp = ctx.mapping(v, what: "duration", allowed: ["max"]) {
                    if let m = dp.first(where: { $0.key.scalar == "max" }) {
                        e.duration = ctx.duration(m.value, what: "duration.max")
                    } else {
                        ctx.error(.missingKey, "duration needs `max:`", v, hint: "write `duration: {max: 500ms}`")
                    }
                }
            case "latency": e.latency = latency(v)
            case "errors": e.errors = errorBudget(v)
            case "dropped": e.dropped = droppedLimit(v)
            case "schema":
                if let s = ctx.string(v, what: "schema") { e.schema = Located(s, at: v.position) }
            default: break
            }
        }
        return e
    }

    func status(_ node: YAMLNode) -> StatusSpec? {
        if let items = node.items {
            guard !items.isEmpty else {
                ctx.error(.status, "empty status list", node, hint: "list the acceptable statuses, e.g. [401, 403]")
                return nil
            }
            let alts = items.compactMap(statusAlternative)
            return alts.count == items.count ? StatusSpec(alts) : nil
        }
        return statusAlternative(node).map { StatusSpec([$0]) }
    }

    private func statusAlternative(_ node: YAMLNode) -> StatusSpec.Alternative? {
        let hint = "a status is a code (403), a list ([401, 403]) or a class (\"4xx\")"
        guard let s = node.scalar else {
            ctx.error(.status, "invalid status: expected a code, found \(node.kindName)", node, hint: hint)
            return nil
        }
        if case .int(let code) = node.resolved {
            guard (100...599).contains(code) else {
                ctx.error(.status, "status \(code) is not an HTTP status code (100-599)", node, hint: hint)
                return nil
            }
            return .exact(code)
        }
        let lower = s.lowercased()
        if lower.count == 3, lower.hasSuffix("xx"), let c = Int(lower.prefix(1)), (1...5).contains(c) {
            return .classOf(c)
        }
        if let code = Int(s), (100...599).contains(code) { return .exact(code) }
        ctx.error(.status, "invalid status '\(s)'", node, hint: hint)
        return nil
    }

    private func latency(_ node: YAMLNode) -> LatencyLimits? {
        let keys: [(String, Double)] = [("p50", 50), ("p90", 90), ("p95", 95), ("p99", 99), ("p99.9", 99.9), ("p99.99", 99.99),
                                       ("max", 100)]
        guard let pairs = ctx.mapping(node, what: "latency", allowed: keys.map(\.0)) else { return nil }
        var limits: [(percentile: Double, label: String, max: Duration)] = []
        for p in pairs {
            guard let k = p.key.scalar, let pct = keys.first(where: { $0.0 == k })?.1,
                  let d = ctx.duration(p.value, what: "latency.\(k)") else { continue }
            limits.append((pct, k, d))
        }
        return limits.isEmpty ? nil : LatencyLimits(limits: limits.sorted { $0.percentile < $1.percentile })
    }

    func jsonAssertions(_ node: YAMLNode, what: String) -> [JSONAssertion] {
        guard let pairs = ctx.mapping(node, what: what, hint: "map JSONPaths to matchers, e.g. `{$.status: healthy}`") else {
            return []
        }
        var out: [JSONAssertion] = []
        for p in pairs {
            guard let text = ctx.string(p.key, what: "a JSONPath") else { continue }
            if !text.hasPrefix("$") {
                ctx.error(.jsonPath, "'\(text)' is not a JSONPath", p.key,
                          hint: "JSONPaths start with '$': write `$.\(text)`")
                continue
            }
            if TemplateParser.mayContainTemplate(text) {
                ctx.error(.jsonPath, "templates are not expanded inside a JSONPath", p.key,
                          hint: "select with a fixed path and put the template in the matcher, e.g. `$.items[*].id: {contains: \"{{ case.id }}\"}`")
                continue
            }
            guard let path = ctx.jsonPath(text, node: p.key, what: what) else { continue }
            if let m = matcher(p.value, what: "'\(text)'") {
                out.append(JSONAssertion(path: path, matcher: m, position: p.key.position))
            }
        }
        return out
    }

    /// A scalar or list means equality; a mapping holds matcher keys that must all hold.
    func matcher(_ node: YAMLNode, what: String) -> Matcher? {
        guard var pairs = node.pairs else { return .equals(ctx.valueTemplate(node)) }
        // A matcher map has fixed keys, so `x-` keys are notes or anchors there too (spec §7).
        pairs.removeAll { $0.key.scalar?.hasPrefix("x-") == true }
        if pairs.isEmpty {
            ctx.error(.invalidValue, "empty matcher for \(what)", node, hint: "to compare with an empty object write `{equals: {}}`")
            return nil
        }
        var parts: [Matcher] = []
        var min: Double?, max: Double?
        var failed = false
        for p in pairs {
            guard let k = p.key.scalar else { continue }
            let v = p.value
            switch k {
            case "equals": parts.append(.equals(ctx.valueTemplate(v)))
            case "not":
                if let m = matcher(v, what: "not") { parts.append(.not(m)) } else { failed = true }
            case "matches":
                if let r = ctx.regex(v, what: "matches") { parts.append(.matches(r)) } else { failed = true }
            case "contains": parts.append(.contains(ctx.valueTemplate(v)))
            case "exists":
                if let b = ctx.bool(v, what: "exists") { parts.append(.exists(b)) } else { failed = true }
            case "type":
                guard let s = ctx.string(v, what: "type") else { failed = true; continue }
                if let t = JSONType(rawValue: s) { parts.append(.type(t)) } else {
                    failed = true
                    ctx.error(.invalidValue, "unknown JSON type '\(s)'", v,
                              hint: Suggestions.hint(for: s, in: JSONType.allCases.map(\.rawValue))
                                  ?? "types: " + JSONType.allCases.map(\.rawValue).joined(separator: ", "))
                }
            case "length":
                if let r = countRange(v, what: "length") { parts.append(.length(r)) } else { failed = true }
            case "min": min = ctx.number(v, what: "min"); failed = failed || min == nil
            case "max": max = ctx.number(v, what: "max"); failed = failed || max == nil
            case "one_of":
                guard let items = v.items else {
                    ctx.typeError(v, expected: "a list", what: "one_of"); failed = true; continue
                }
                parts.append(.oneOf(items.map(ctx.valueTemplate)))
            default:
                failed = true
                ctx.error(.unknownKey, "unknown matcher '\(k)' for \(what)", p.key,
                          hint: Suggestions.hint(for: k, in: Self.matcherKeys)
                              ?? "matchers: \(Self.matcherKeys.joined(separator: ", ")); to compare with an object write `{equals: {...}}`")
            }
        }
        if min != nil || max != nil {
            if let lo = min, let hi = max, lo > hi {
                ctx.error(.invalidValue, "min \(JSONValue.formatNumber(lo)) is greater than max \(JSONValue.formatNumber(hi))", node)
                failed = true
            }
            parts.append(.range(min: min, max: max))
        }
        if failed { return nil }
        return parts.count == 1 ? parts[0] : .all(parts)
    }

    private func countRange(_ node: YAMLNode, what: String) -> CountRange? {
        if node.scalar != nil { return ctx.int(node, what: what, min: 0).map(CountRange.exactly) }
        guard let pairs = ctx.mapping(node, what: what, allowed: ["min", "max"]) else { return nil }
        var r = CountRange(min: nil, max: nil)
        for p in pairs {
            if p.key.scalar == "min" { r.min = ctx.int(p.value, what: "\(what).min", min: 0) }
            if p.key.scalar == "max" { r.max = ctx.int(p.value, what: "\(what).max", min: 0) }
        }
        if let lo = r.min, let hi = r.max, lo > hi {
            ctx.error(.invalidValue, "\(what).min \(lo) is greater than max \(hi)", node)
            return nil
        }
        return r
    }

    func captures(_ node: YAMLNode, fromMessage: Bool = false) -> [Capture] {
        guard let pairs = ctx.mapping(node, what: "capture", hint: "map names to JSONPaths, e.g. `{thread_id: $.id}`") else {
            return []
        }
        var out: [Capture] = []
        for p in pairs {
            guard let name = ctx.string(p.key, what: "a capture name") else { continue }
            if !name.allSatisfy(TemplateParser.isNameChar) {
                ctx.error(.invalidValue, "capture name '\(name)' may only hold letters, digits, '_' and '-'", p.key)
                continue
            }
            let v = p.value
            if let text = v.scalar {
                guard text.hasPrefix("$") else {
                    ctx.error(.jsonPath, "capture '\(name)' must be a JSONPath, {header: NAME} or {body: REGEX}", v,
                              hint: "JSONPaths start with '$': write `$.\(text)`")
                    continue
                }
                if let path = ctx.jsonPath(text, node: v, what: "capture '\(name)'") {
                    out.append(Capture(name: name, source: .jsonPath(path), position: p.key.position))
                }
                continue
            }
            let allowed = fromMessage ? ["body"] : ["header", "body"]
            guard let cp = ctx.mapping(v, what: "capture '\(name)'", allowed: allowed) else { continue }
            guard cp.count == 1, let kind = cp[0].key.scalar else {
                ctx.error(.invalidValue, "capture '\(name)' takes one source: \(allowed.joined(separator: " or "))", v)
                continue
            }
            if kind == "header" {
                if let h = ctx.string(cp[0].value, what: "header") {
                    out.append(Capture(name: name, source: .header(h), position: p.key.position))
                }
            } else if kind == "body", let r = ctx.regex(cp[0].value, what: "capture '\(name)'") {
                out.append(Capture(name: name, source: .body(r), position: p.key.position))
            }
        }
        return out
    }

    func retry(_ node: YAMLNode) -> RetryOverride? {
        let keys = ["attempts", "backoff", "on", "unsafe", "interval", "until"]
        guard let pairs = ctx.mapping(node, what: "retry", allowed: keys) else { return nil }
        var r = RetryOverride(position: node.position)
        for p in pairs {
            let v = p.value
            switch p.key.scalar {
            case "attempts": r.attempts = ctx.int(v, what: "retry.attempts", min: 1)
            case "unsafe": r.unsafe = ctx.bool(v, what: "retry.unsafe")
            case "interval": r.interval = ctx.duration(v, what: "retry.interval")
            case "until": r.until = expectation(v, what: "retry.until")
            case "backoff":
                guard let bp = ctx.mapping(v, what: "backoff", allowed: ["initial", "max", "factor", "jitter"]) else { continue }
                for b in bp {
                    switch b.key.scalar {
                    case "initial": r.initial = ctx.duration(b.value, what: "backoff.initial")
                    case "max": r.max = ctx.duration(b.value, what: "backoff.max")
                    case "factor":
                        r.factor = ctx.number(b.value, what: "backoff.factor")
                        if let f = r.factor, f < 1 {
                            ctx.error(.invalidValue, "backoff.factor must be at least 1", b.value)
                        }
                    case "jitter": r.jitter = ctx.bool(b.value, what: "backoff.jitter")
                    default: break
                    }
                }
            case "on":
                guard let items = v.items else {
                    ctx.typeError(v, expected: "a list such as [connect, timeout, 503]", what: "retry.on")
                    continue
                }
                var conds: [RetryCondition] = []
                for item in items {
                    switch item.resolved {
                    case .int(let s) where (100...599).contains(s): conds.append(.status(s))
                    case .string("connect"): conds.append(.connect)
                    case .string("timeout"): conds.append(.timeout)
                    default:
                        ctx.error(.invalidValue, "retry.on takes connect, timeout or a status code", item,
                                  hint: item.scalar.flatMap { Suggestions.hint(for: $0, in: ["connect", "timeout"]) })
                    }
                }
                r.on = conds
            default: break
            }
        }
        if r.until != nil, r.attempts == nil {
            ctx.error(.missingKey, "polling with `until` needs `attempts`", node,
                      hint: "for example `retry: {attempts: 10, interval: 500ms, until: {json: {$.state: ready}}}`")
        }
        return r
    }
}
