import RehearseModel
import RehearseDiagnostics

/// Parses `rehearse.yaml`: environments, suite vars and headers, defaults and auth profiles.
public struct SuiteParser {
    let ctx: ParseContext
    let plans: PlanParser

    public init(diagnostics: DiagnosticBag) {
        ctx = ParseContext(bag: diagnostics)
        plans = PlanParser(diagnostics: diagnostics)
    }

    static let keys = ["version", "default_env", "environments", "vars", "headers", "defaults", "auth", "templates"]

    public func parseSuite(_ root: YAMLNode, file: String) -> Suite {
        var suite = Suite()
        suite.file = file
        guard let pairs = ctx.mapping(root, what: "the suite config", allowed: Self.keys) else { return suite }
        for p in pairs {
            let v = p.value
            switch p.key.scalar {
            case "version":
                if let n = ctx.int(v, what: "version") {
                    if n != 1 {
                        ctx.error(.invalidValue, "unsupported version \(n)", v, hint: "this rehearse reads version 1")
                    }
                    suite.version = n
                }
            case "default_env": suite.defaultEnv = ctx.string(v, what: "default_env").map { Located($0, at: v.position) }
            case "environments":
                guard let envs = ctx.mapping(v, what: "environments") else { continue }
                suite.environments = envs.compactMap(environment)
            case "vars": suite.vars = ctx.vars(v, what: "vars")
            case "headers": suite.headers = ctx.templateMap(v, what: "headers")
            case "defaults": suite.defaults = defaults(v)
            case "auth":
                guard let profiles = ctx.mapping(v, what: "auth profiles") else { continue }
                suite.auth = profiles.compactMap { p in
                    guard let name = ctx.string(p.key, what: "a profile name") else { return nil }
                    if name == "none" {
                        ctx.error(.invalidValue, "'none' is reserved: `auth: none` means no credentials", p.key)
                        return nil
                    }
                    return profile(p.value, name: name, keyNode: p.key).map { (name, $0) }
                }
            default: break
            }
        }
        if let d = suite.defaultEnv, suite.environment(d.value) == nil {
            let names = suite.environments.map(\.0)
            ctx.bag.report(.unknownEnvironment, "default_env '\(d.value)' is not defined under `environments`",
                           at: d.position, length: d.value.count,
                           hint: Suggestions.hint(for: d.value, in: names)
                               ?? (names.isEmpty ? "define it under `environments:`" : "environments: \(names.joined(separator: ", "))"))
        }
        return suite
    }

    private func environment(_ p: YAMLPair) -> (String, Environment)? {
        guard let name = ctx.string(p.key, what: "an environment name") else { return nil }
        var env = Environment(name: name, position: p.key.position)
        if p.value.resolved == .null && p.value.scalar != nil { return (name, env) }
        guard let pairs = ctx.mapping(p.value, what: "environment '\(name)'", allowed: ["vars", "require_env", "headers", "tls"])
        else { return nil }
        for e in pairs {
            switch e.key.scalar {
            case "vars": env.vars = ctx.vars(e.value, what: "vars")
            case "require_env": env.requireEnv = ctx.stringList(e.value, what: "require_env")
            case "headers": env.headers = ctx.templateMap(e.value, what: "headers")
            case "tls": env.tls = tls(e.value, environment: name)
            default: break
            }
        }
        return (name, env)
    }

    private func defaults(_ node: YAMLNode) -> SuiteDefaults {
        var d = SuiteDefaults()
        guard let pairs = ctx.mapping(node, what: "defaults", allowed: ["timeout", "auth", "retry"]) else { return d }
        for p in pairs {
            switch p.key.scalar {
            case "timeout": d.timeout = ctx.duration(p.value, what: "defaults.timeout")
            case "auth": d.auth = plans.auth(p.value)
            case "retry": d.retry = plans.retry(p.value)
            default: break
            }
        }
        return d
    }

    static let profileKinds = ["jwt", "basic", "header", "bearer", "login", "oauth2"]

    private func profile(_ node: YAMLNode, name: String, keyNode: YAMLNode) -> AuthProfile? {
        guard let pairs = ctx.mapping(node, what: "auth profile '\(name)'", allowed: Self.profileKinds + ["scheme", "probe"],
                                      hint: "a profile is one of jwt, basic, header, bearer, login, oauth2 (plus `probe:`)") else { return nil }
        // `header:` is a profile kind when it is a mapping ({name, value}) and the header that carries
        // the credential when it is a string: the spec uses the key for both.
        let kindPairs = pairs.filter { p in
            guard let k = p.key.scalar, Self.profileKinds.contains(k) else { return false }
            return !(k == "header" && p.value.scalar != nil)
        }
        guard kindPairs.count == 1, let kind = kindPairs[0].key.scalar else {
            ctx.error(kindPairs.isEmpty ? .missingKey : .invalidValue,
                      kindPairs.isEmpty ? "auth profile '\(name)' has no kind" : "auth profile '\(name)' has more than one kind",
                      kindPairs.count > 1 ? kindPairs[1].key : keyNode, hint: "give exactly one of jwt, basic, header, bearer, login, oauth2")
            return nil
        }
        let v = kindPairs[0].value
        var header: String?, scheme: String?, probe: AuthProbe?
        for p in pairs {
            if p.key.scalar == "probe" { probe = self.probe(p.value, profile: name) }
            if p.key.scalar == "scheme" { scheme = ctx.string(p.value, what: "scheme") }
            if p.key.scalar == "header", p.value.scalar != nil { header = ctx.string(p.value, what: "header") }
        }
        let k: AuthProfile.Kind?
        switch kind {
        case "jwt": k = jwt(v, name: name, header: &header, scheme: &scheme).map { .jwt($0) }
        case "basic":
            guard ctx.mapping(v, what: "basic", allowed: ["username", "password"]) != nil else { return nil }
            guard let u = v["username"].flatMap({ ctx.template($0, what: "username") }),
                  let pw = v["password"].flatMap({ ctx.template($0, what: "password") }) else {
                ctx.error(.missingKey, "basic auth needs `username` and `password`", v)
                return nil
            }
            k = .basic(username: u, password: pw)
        case "header":
            guard ctx.mapping(v, what: "header", allowed: ["name", "value"]) != nil else { return nil }
            guard let n = v["name"].flatMap({ ctx.string($0, what: "name") }),
                  let val = v["value"].flatMap({ ctx.template($0, what: "value") }) else {
                ctx.error(.missingKey, "header auth needs `name` and `value`", v)
                return nil
            }
            k = .header(name: n, value: val)
        case "bearer": k = ctx.template(v, what: "bearer").map { .bearer($0) }
        case "oauth2": k = oauth2(v, header: &header, scheme: &scheme).map { .oauth2($0) }
        default: k = login(v, header: &header, scheme: &scheme).map { .login($0) }
        }
        guard let k else { return nil }
        var made = AuthProfile(name: name, kind: k, position: keyNode.position, header: header, scheme: scheme)
        made.probe = probe
        return made
    }

    static let algorithms = ["HS256", "HS384", "HS512", "RS256", "ES256"]

    private func jwt(_ node: YAMLNode, name: String, header: inout String?, scheme: inout String?) -> JWTProfile? {
        let keys = ["algorithm", "secret_env", "secret_default", "private_key_env", "claims", "ttl", "header", "scheme", "websocket"]
        guard let pairs = ctx.mapping(node, what: "jwt", allowed: keys) else { return nil }
        var j = JWTProfile()
        for p in pairs {
            let v = p.value
            switch p.key.scalar {
            case "algorithm":
                guard let a = ctx.string(v, what: "algorithm") else { continue }
                if Self.algorithms.contains(a.uppercased()) { j.algorithm = a.uppercased() } else {
                    ctx.error(.invalidValue, "unsupported JWT algorithm '\(a)'", v,
                              hint: Suggestions.hint(for: a, in: Self.algorithms) ?? Self.algorithms.joined(separator: ", "))
                }
            case "secret_env":
                j.secretEnv = v.scalar != nil ? ctx.string(v, what: "secret_env").map { [$0] } ?? []
                    : ctx.stringList(v, what: "secret_env").map(\.value)
            case "secret_default": j.secretDefault = ctx.template(v, what: "secret_default")
            case "private_key_env": j.privateKeyEnv = ctx.string(v, what: "private_key_env")
            case "claims":
                guard let cp = ctx.mapping(v, what: "claims") else { continue }
                j.claims = cp.compactMap { c in ctx.string(c.key, what: "a claim name").map { ($0, ctx.valueTemplate(c.value)) } }
            case "ttl": j.ttl = ctx.duration(v, what: "ttl") ?? j.ttl
            case "header": header = ctx.string(v, what: "header")
            case "scheme": scheme = ctx.string(v, what: "scheme")
            case "websocket":
                guard let s = ctx.string(v, what: "websocket") else { continue }
                if s == "header" || s == "subprotocol" { j.websocket = s } else {
                    ctx.error(.invalidValue, "jwt.websocket is `header` or `subprotocol`, found '\(s)'", v)
                }
            default: break
            }
        }
        if j.algorithm.hasPrefix("HS") {
            if j.secretEnv.isEmpty && j.secretDefault == nil {
                ctx.error(.missingKey, "jwt profile '\(name)' has no secret", node,
                          hint: "add `secret_env: [VAR, ...]` (first set variable wins) and/or `secret_default:`")
            }
        } else if j.privateKeyEnv == nil {
            ctx.error(.missingKey, "\(j.algorithm) needs `private_key_env` naming a variable that holds a PEM private key", node)
        }
        return j
    }

    private func login(_ node: YAMLNode, header: inout String?, scheme: inout String?) -> LoginProfile? {
        guard let pairs = ctx.mapping(node, what: "login", allowed: ["request", "expect", "token", "header", "scheme"]) else {
            return nil
        }
        var request: HTTPRequestSpec?, token: JSONPath?
        var expect = Expectation()
        for p in pairs {
            switch p.key.scalar {
            case "request": request = plans.request(p.value)
            case "expect": expect = plans.expectation(p.value, what: "login.expect")
            case "token":
                if let s = ctx.string(p.value, what: "token") { token = ctx.jsonPath(s, node: p.value, what: "login.token") }
                // Spec §7: only a singular query yields one value; any other yields an array, never a token.
                if let t = token, !t.isSingular {
                    ctx.error(.jsonPath, "login.token must select one value: '\(t.text)' is not a singular query (names and indexes only)",
                              p.value, hint: "name the token's place, e.g. `token: $.access_token` or `token: $.data.tokens[0]`")
                    token = nil
                }
            case "header": header = ctx.string(p.value, what: "header")
            case "scheme": scheme = ctx.string(p.value, what: "scheme")
            default: break
            }
        }
        if node["request"] == nil { ctx.error(.missingKey, "login needs a `request`", node) }
        if node["token"] == nil {
            ctx.error(.missingKey, "login needs `token:`, a JSONPath to the token in the response", node,
                      hint: "for example `token: $.access_token`")
        }
        guard let request, let token else { return nil }
        if expect.status == nil { expect.status = StatusSpec([.classOf(2)]) }
        return LoginProfile(request: request, expect: expect, token: token)
    }
}
