import Foundation

/// What `rehearse auth` shows about each profile: which secret would be used and what a token
/// carries. Secret values and tokens are never part of it.
public enum AuthInspection {
    public static func inspect(suite: Suite, environmentName: String?, processEnvironment: [String: String],
                               cliVars: [String: String] = [:], profile only: String? = nil,
                               clock: any RunClock = SystemRunClock()) async -> JSONValue {
        var scope = TemplateScope()
        scope.cliVars = cliVars
        scope.processEnvironment = processEnvironment
        let random = RandomSource(seed: UInt64.random(in: 1...UInt64.max))
        var vars: [(level: VarLevel, name: String, value: ValueTemplate)] = suite.vars.map { (.suite, $0.0, $0.1) }
        if let name = environmentName, let env = suite.environment(name) { vars += env.vars.map { (.environment, $0.0, $0.1) } }
        // Inspection goes on with what could be rendered; the profile shows its own errors.
        try? scope.renderVars(vars, random: random, clock: clock)
        let masker = SecretMasker()
        let provider = AuthProvider(suite: suite, environment: processEnvironment,
                                    renderer: TemplateRenderer(scope: scope, random: random, clock: clock), clock: clock, masker: masker)
        var profiles: [JSONValue] = []
        for (name, p) in suite.auth where only == nil || only == name {
            var o: [String: JSONValue] = ["name": .string(name), "kind": .string(p.kindName),
                                          "header": .string(p.header ?? (p.kindName == "header" ? "" : "Authorization"))]
            var warnings: [JSONValue] = []
            switch p.kind {
            case .jwt(let jwt):
                o["algorithm"] = .string(jwt.algorithm)
                let resolution = AuthProvider.resolveSecret(jwt, environment: processEnvironment)
                o["secret_env"] = .array(resolution.candidates.map { ["name": .string($0.name), "set": .bool($0.isSet)] })
                if jwt.algorithm.hasPrefix("HS") {
                    switch resolution.source {
                    case .environment(let v): o["secret_source"] = .string("environment variable \(v)")
                    case .defaultValue:
                        o["secret_source"] = .string("secret_default")
                        warnings.append(.string("none of \(jwt.secretEnv.joined(separator: ", ")) is set: tokens are signed with secret_default, which a real backend will refuse unless it uses the same default"))
                    case .missing:
                        o["secret_source"] = .null
                        warnings.append(.string("none of \(jwt.secretEnv.joined(separator: ", ")) is set and there is no secret_default: cases using '\(name)' cannot run"))
                    }
                    let setCount = resolution.candidates.filter(\.isSet).count
                    if setCount > 1 {
                        warnings.append(.string("\(setCount) variables of the priority list are set; the first wins. Make sure the backend reads the same one first"))
                    }
                } else {
                    let key = jwt.privateKeyEnv ?? "?"
                    o["private_key_env"] = ["name": .string(key), "set": .bool(!(processEnvironment[key] ?? "").isEmpty)]
                }
                do {
                    let minted = try await provider.mintForInspection(name)
                    o["claims"] = masker.mask(.object(minted.claims))
                    o["expires"] = .string(ISO8601DateFormatter().string(from: minted.expires))
                    o["ttl_seconds"] = .number(jwt.ttl.seconds.rounded())
                } catch {
                    o["error"] = .string(masker.mask(error.description))
                }
            case .login(let l):
                o["login_request"] = .string("\(l.request.method) \(l.request.url.source)")
                o["token_path"] = .string(l.token.text)
            case .basic, .bearer, .header:
                break
            }
            var envNames: [String] = []
            p.forEachTemplate { t in
                for case .name(let s) in t.expressions where s.count == 2 && s[0] == "env" { envNames.append(s[1]) }
            }
            if !envNames.isEmpty {
                o["reads_env"] = .array(envNames.map { ["name": .string($0), "set": .bool(processEnvironment[$0] != nil)] })
                for n in envNames where processEnvironment[n] == nil { warnings.append(.string("\(n) is not set")) }
            }
            o["warnings"] = .array(warnings)
            profiles.append(.object(o))
        }
        return ["environment": environmentName.map { .string($0) } ?? .null, "profiles": .array(profiles)]
    }

    /// The same, for people.
    public static func text(_ doc: JSONValue) -> String {
        guard case .array(let profiles)? = doc["profiles"] else { return "" }
        if profiles.isEmpty { return "no auth profiles (define them under `auth:` in rehearse.yaml)\n" }
        var out = ""
        for p in profiles {
            out += "\(p["name"]?.stringValue ?? "?") (\(p["kind"]?.stringValue ?? "?")"
            if let alg = p["algorithm"]?.stringValue { out += ", \(alg)" }
            out += ")\n"
            if case .array(let list)? = p["secret_env"] {
                out += "  secret_env, first set wins:\n"
                for c in list { out += "    \(c["set"] == .bool(true) ? "set  " : "unset") \(c["name"]?.stringValue ?? "")\n" }
            }
            if let source = p["secret_source"]?.stringValue { out += "  signing with: \(source)\n" }
            if let key = p["private_key_env"] { out += "  private key: \(key["name"]?.stringValue ?? "") (\(key["set"] == .bool(true) ? "set" : "unset"))\n" }
            if let req = p["login_request"]?.stringValue { out += "  login: \(req), token at \(p["token_path"]?.stringValue ?? "")\n" }
            if case .array(let list)? = p["reads_env"] {
                for c in list { out += "  reads \(c["name"]?.stringValue ?? ""): \(c["set"] == .bool(true) ? "set" : "unset")\n" }
            }
            if let claims = p["claims"] {
                out += "  claims of a fresh token:\n"
                for line in claims.prettyText().split(separator: "\n") { out += "    \(line)\n" }
            }
            if let exp = p["expires"]?.stringValue { out += "  expires: \(exp)\n" }
            if let err = p["error"]?.stringValue { out += "  error: \(err)\n" }
            if case .array(let ws)? = p["warnings"] { for w in ws { out += "  WARNING: \(w.stringValue ?? "")\n" } }
            out += "\n"
        }
        return out
    }
}
