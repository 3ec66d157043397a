import RehearseModel
import RehearseDiagnostics

/// Turns a plan file's node tree into a `Plan`, reporting every problem it finds.
public struct PlanParser {
    let ctx: ParseContext
    /// The suite's `templates:` (for `extends`) and folder (for `each` data files): spec §9.
    public var authoring = AuthoringInputs()
    let origins = OriginCollector()

    public init(diagnostics: DiagnosticBag) { self.ctx = ParseContext(bag: diagnostics) }

    static let planKeys = ["name", "priority", "tags", "auth", "vars", "serial", "cases", "teardown"]
    static let caseKeys = ["id", "name", "tags", "priority", "request", "websocket", "sse", "auth", "expect", "capture",
                           "needs", "retry", "timeout", "load", "skip", "xfail", "each", "extends"]

    public func parsePlan(_ root: YAMLNode, id: String, file: String) -> Plan {
        // Fields are gathered first: a `Plan` is immutable once built.
        var name: String?, priority = Priority.normal, tags: [String] = [], auth: AuthUse?
        var vars: [(String, ValueTemplate)] = [], serial = false, cases: [Case] = []
        func plan() -> Plan {
            Plan(id: id, file: file, name: name, priority: priority, tags: tags, auth: auth, vars: vars,
                 serial: serial, cases: cases, templateOrigins: origins.items)
        }
        origins.planFile = file
        let diagnosticsBefore = ctx.bag.items.count
        defer { noteTemplateOrigins(from: diagnosticsBefore) }
        guard let pairs = ctx.mapping(root, what: "a plan", allowed: Self.planKeys,
                                      hint: "a plan is a mapping with `cases:` and optional name, priority, tags, auth, vars, serial")
        else { return plan() }
        var casesNode: YAMLNode?, teardownNode: YAMLNode?
        for p in pairs {
            let v = p.value
            switch p.key.scalar {
            case "name": name = ctx.string(v, what: "the plan's name")
            case "priority": priority = self.priority(v) ?? priority
            case "tags": tags = ctx.stringList(v, what: "tags").map(\.value)
            case "auth": auth = self.auth(v)
            case "vars": vars = ctx.vars(v, what: "vars")
            case "serial": serial = ctx.bool(v, what: "serial") ?? false
            case "cases": casesNode = v
            case "teardown": teardownNode = v
            default: break
            }
        }
        guard let casesNode else {
            ctx.error(.missingKey, "the plan has no `cases:`", root,
                      hint: "add `cases:` with a list of cases, each with an id, a request and an expect")
            return plan()
        }
        guard let items = casesNode.items else {
            ctx.typeError(casesNode, expected: "a list of cases", what: "cases", hint: "start each case with '- id: ...'")
            return plan()
        }
        var seen: [String: SourcePosition] = [:]
        cases.reserveCapacity(items.count)
        for (item, teardown) in items.map({ ($0, false) }) + teardownItems(teardownNode) {
            guard let c = parseCase(item, teardown: teardown) else { continue }
            if let first = seen[c.id] {
                ctx.bag.report(.duplicateID, "duplicate case id '\(c.id)'", at: c.position, length: c.id.count,
                               hint: "'\(c.id)' is already used at line \(first.line); ids are unique in a plan")
                continue
            }
            seen[c.id] = c.position
            cases.append(c)
        }
        return plan()
    }

    func priority(_ node: YAMLNode) -> Priority? {
        guard let s = ctx.string(node, what: "priority") else { return nil }
        if let p = Priority(rawValue: s) { return p }
        ctx.error(.invalidValue, "unknown priority '\(s)'", node,
                  hint: Suggestions.hint(for: s, in: Priority.allCases.map(\.rawValue))
                      ?? "use critical, high, normal or low")
        return nil
    }

    func auth(_ node: YAMLNode) -> AuthUse? {
        if let s = node.scalar {
            guard node.resolved != .null else {
                ctx.typeError(node, expected: "`none`, a profile name or {use, mode}", what: "auth")
                return nil
            }
            return s == "none" ? AuthUse.none : .profile(Located(s, at: node.position), mode: .valid)
        }
        guard let pairs = ctx.mapping(node, what: "auth", allowed: ["use", "mode"],
                                      hint: "write `auth: none`, `auth: PROFILE` or `auth: {use: PROFILE, mode: MODE}`")
        else { return nil }
        var profile: Located<String>?
        var mode = AuthMode.valid
        for p in pairs {
            switch p.key.scalar {
            case "use": profile = ctx.string(p.value, what: "auth.use").map { Located($0, at: p.value.position) }
            case "mode":
                guard let s = ctx.string(p.value, what: "auth.mode") else { continue }
                if let m = AuthMode(rawValue: s) { mode = m } else {
                    ctx.error(.authMode, "unknown auth mode '\(s)'", p.value,
                              hint: Suggestions.hint(for: s, in: AuthMode.allCases.map(\.rawValue))
                                  ?? "modes: " + AuthMode.allCases.map(\.rawValue).joined(separator: ", "))
                }
            default: break
            }
        }
        guard let profile else {
            ctx.error(.missingKey, "auth needs `use:` naming a profile", node)
            return nil
        }
        if mode == .missing { return AuthUse.none }
        return .profile(profile, mode: mode)
    }

    func parseCase(_ written: YAMLNode, teardown: Bool = false) -> Case? {
        ctx.collector.start()
        defer { _ = ctx.collector.finish() }
        let errorsBefore = ctx.bag.items.count
        let node = applyExtends(written)
        guard let pairs = ctx.mapping(node, what: "a case", allowed: Self.caseKeys) else { return nil }
        guard let idNode = node["id"] else {
            ctx.error(.missingKey, "a case needs an `id`", node, hint: "add `id: some-name` ([a-z0-9_-]+, unique in the plan)")
            return nil
        }
        guard let id = ctx.string(idNode, what: "a case id") else { return nil }
        if id.isEmpty || !id.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 || $0 == 45 }) {
            let suggested = id.lowercased().map { TemplateParser.isNameChar($0) ? $0 : "-" }
            ctx.error(.invalidID, "case id '\(id)' may only hold a-z, 0-9, '_' and '-'", idNode,
                      hint: "for example '\(String(suggested))'")
        }
        let requestNode = node["request"], wsNode = node["websocket"]
        var kind: Case.Kind?
        if let s = node["sse"] {
            if let other = requestNode ?? wsNode {
                ctx.error(.requestKind, "case '\(id)' has both `sse` and `\(requestNode != nil ? "request" : "websocket")`", other,
                          hint: "a case is one HTTP request, one WebSocket conversation or one SSE stream; split it")
            } else {
                kind = sse(s).map { .sse($0) }
            }
        } else {
        switch (requestNode, wsNode) {
        case (let r?, nil): kind = request(r).map { .http($0) }
        case (nil, let w?): kind = websocket(w).map { .websocket($0) }
        case (_?, let w?):
            ctx.error(.requestKind, "case '\(id)' has both `request` and `websocket`", w,
                      hint: "a case is one HTTP request or one WebSocket conversation; split it into two cases")
        case (nil, nil) where misspelledKind(node):
            break  // the unknown-key diagnostic already says what is wrong
        case (nil, nil):
            ctx.error(.requestKind, "case '\(id)' has neither `request` nor `websocket`", idNode,
                      hint: "add `request: GET {{ base_url }}/path` or `websocket: {url: ...}`")
        }
        }
        // Fields are gathered first and the case is built once: a `Case` is immutable.
        var name: String?, tags: [String] = [], priority: Priority?, auth: AuthUse?, expect = Expectation()
        var captures: [Capture] = [], needs: [Located<String>] = [], retry: RetryOverride?, timeout: Duration?
        var load: LoadSpec?, skip: String?, xfail: String?, each: EachSpec?
        var hasExpect = false, expectHadErrors = false
        for p in pairs {
            let v = p.value
            switch p.key.scalar {
            case "name": name = ctx.string(v, what: "a case name")
            case "tags": tags = ctx.stringList(v, what: "tags").map(\.value)
            case "priority": priority = self.priority(v)
            case "auth": auth = self.auth(v)
            case "expect":
                hasExpect = true
                let before = ctx.bag.items.count
                expect = expectation(v, what: "expect")
                expectHadErrors = ctx.bag.items.count > before
            case "capture": captures = self.captures(v)
            case "needs": needs = ctx.stringList(v, what: "needs")
            case "retry": retry = self.retry(v)
            case "timeout": timeout = ctx.duration(v, what: "timeout")
            case "load": load = self.load(v)
            case "skip": skip = reason(v, what: "skip")
            case "xfail": xfail = reason(v, what: "xfail")
            case "each": each = self.each(v)
            default: break
            }
        }
        let c = Case(id: id, position: idNode.position,
                     kind: kind ?? .http(HTTPRequestSpec(method: "GET", url: Template(literal: ""), position: node.position)),
                     name: name, tags: tags, priority: priority, auth: auth, expect: expect, captures: captures,
                     needs: needs, retry: retry, timeout: timeout, load: load, skip: skip, xfail: xfail,
                     templates: ctx.collector.items, each: each, isTeardown: teardown)
        // A case whose parts had errors may have lost an expectation with them; saying it expects
        // nothing would only repeat that problem.
        if !expectHadErrors && ctx.bag.items.count == errorsBefore {
            checkExpectations(c, node: node, idNode: idNode, hasExpect: hasExpect)
        }
        return kind == nil ? nil : c
    }

    /// True when a key of the case looks like a typo of `request` or `websocket`.
    private func misspelledKind(_ node: YAMLNode) -> Bool {
        (node.pairs ?? []).contains { p in
            guard let k = p.key.scalar, !Self.caseKeys.contains(k) else { return false }
            return Suggestions.closest(to: k, in: ["request", "websocket", "sse"]) != nil
        }
    }

    private func checkExpectations(_ c: Case, node: YAMLNode, idNode: YAMLNode, hasExpect: Bool) {
        var receives = 0
        if case .websocket(let ws) = c.kind { receives = Self.checkingSteps(ws.steps) }
        if case .sse(let sse) = c.kind { receives = Self.checkingSteps(sse.steps) }
        if c.expect.isEmpty && receives == 0 && c.retry?.until == nil {
            ctx.error(.noExpectation, "case '\(c.id)' expects nothing", hasExpect ? (node["expect"] ?? idNode) : idNode,
                      hint: "add `expect: {status: 200}` (or the status that is the pass); a case that checks nothing always passes")
        }
        if c.load != nil, c.isWebSocket, let l = node["load"] {
            ctx.error(.invalidValue, "`load` applies to HTTP requests, not WebSocket cases", l)
        }
        if c.load != nil, case .sse = c.kind, let l = node["load"] {
            ctx.error(.invalidValue, "`load` applies to HTTP requests, not SSE cases", l)
        }
        if c.expect.latency != nil, c.load == nil, let e = node["expect"]?["latency"] {
            ctx.warning(.unusedSetting, "`latency` limits apply only to cases with `load`", e,
                        hint: "for a single request use `duration: {max: ...}`")
        }
        checkLoadExpectations(c, node: node)
        if c.skip != nil, c.xfail != nil, let x = node["xfail"] {
            ctx.warning(.unusedSetting, "case '\(c.id)' has both `skip` and `xfail`; it is skipped", x)
        }
    }

    private func reason(_ node: YAMLNode, what: String) -> String? {
        if case .bool(true) = node.resolved, node.scalar != nil {
            ctx.typeError(node, expected: "a reason (text)", what: what, hint: "write the reason, e.g. `\(what): flaky upstream, see TICKET-12`")
            return nil
        }
        return ctx.string(node, what: what)
    }

    private func load(_ node: YAMLNode) -> LoadSpec? {
        // `rate` or `stages` make it the open model (spec §12): PlanParser+Load.swift.
        if node.pairs != nil, node["rate"] != nil || node["stages"] != nil { return openLoad(node) }
        guard let pairs = ctx.mapping(node, what: "load", allowed: Self.loadKeys) else { return nil }
        if !closedLoadKeysFit(node) { return nil }
        var requests: Int?, concurrency = 1
        for p in pairs {
            switch p.key.scalar {
            case "requests": requests = ctx.int(p.value, what: "load.requests", min: 1)
            case "concurrency": concurrency = ctx.int(p.value, what: "load.concurrency", min: 1) ?? 1
            default: break
            }
        }
        guard let requests else {
            if node["requests"] == nil { ctx.error(.missingKey, "load needs `requests:`", node) }
            return nil
        }
        return LoadSpec(requests: requests, concurrency: min(concurrency, requests))
    }
}
