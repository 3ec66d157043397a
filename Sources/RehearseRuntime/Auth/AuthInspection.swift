#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseDiagnostics
import RehearseCompiler
import RehearseResults

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
        let renderer = TemplateRenderer(scope: scope, random: random, clock: clock)
        let provider = AuthProvider(suite: suite, environment: processEnvironment, renderer: renderer, clock: clock, masker: masker)
        var profiles: [JSONValue] = []
        for (name, p) in suite.auth where only == nil || only == name {
            var o: [String: JSONValue] = ["name": .string(name), "kind": .string(p.kindName),
                                          "header": .string(p.header ?? (p.kindName == "header" ? "" : "Authorization"))]
            var warnings: [JSONValue] = []
            // Why the profile's credentials cannot be made, if they cannot.
            var problem: String?
            var envNames: [String] = []
            p.forEachTemplate { t in
                for case .name(let s) in t.expressions where s.count == 2 && s[0] == "env" { envNames.append(s[1]) }
            }
            // Rendered values below may hold these (a token in the login URL's query).
            for n in envNames where SecretMasker.looksSecret(n) { if let v = processEnvironment[n] { masker.add(v) } }
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
                        problem = "none of \(jwt.secretEnv.joined(separator: ", ")) is set and there is no secret_default: cases using '\(name)' cannot run"
                    }
                    let setCount = resolution.candidates.filter(\.isSet).count
                    if setCount > 1 {
                        let ask = p.probe != nil ? ": `rehearse auth --probe` asks the server which one it accepts"
                            : " (give the profile a `probe:` and `rehearse auth --probe` asks the server which one it accepts)"
                        warnings.append(.string("\(setCount) variables of the priority list are set; the first wins. Make sure the backend reads the same one first" + ask))
                    }
                } else {
                    let key = jwt.privateKeyEnv ?? "?"
                    o["private_key_env"] = ["name": .string(key), "set": .bool(!(processEnvironment[key] ?? "").isEmpty)]
                }
                if problem == nil {
                    do {
                        let minted = try await provider.mintForInspection(name)
                        o["claims"] = masker.mask(.object(minted.claims))
                        o["expires"] = .string(minted.expires.formatted(.iso8601))
                        o["ttl_seconds"] = .number(jwt.ttl.seconds.rounded())
                    } catch {
                        problem = masker.mask(error.description)
                    }
                }
            case .login(let l):
                // Shown as it will be sent; what cannot be rendered yet stays a template.
                let url = (try? renderer.renderString(l.request.url)) ?? l.request.url.source
                o["login_request"] = .string(masker.mask("\(l.request.method) \(url)"))
                o["token_path"] = .string(l.token.text)
            case .oauth2(let oauth):
                // What the token request will look like; the client secret and the token never.
                let url = (try? renderer.renderString(oauth.tokenURL)) ?? oauth.tokenURL.source
                o["token_request"] = .string(masker.mask("POST \(url) (client credentials)"))
                o["client_id"] = .string(masker.mask((try? renderer.renderString(oauth.clientID)) ?? oauth.clientID.source))
                o["client_auth"] = .string(oauth.clientAuth == .basic ? "HTTP Basic" : "form body")
                if let s = oauth.scope { o["scope"] = .string(masker.mask((try? renderer.renderString(s)) ?? s.source)) }
                if let a = oauth.audience { o["audience"] = .string(masker.mask((try? renderer.renderString(a)) ?? a.source)) }
                if let secret = try? renderer.renderString(oauth.clientSecret) {
                    masker.add(secret)
                    if secret.isEmpty { problem = "client_secret is empty: the token endpoint would refuse the client" }
                }
            case .basic, .bearer, .header:
                break
            }
            if let probe = p.probe {
                let url = (try? renderer.renderString(probe.request.url)) ?? probe.request.url.source
                o["probe"] = .string(masker.mask("\(probe.request.method) \(url)"))
            }
            if !envNames.isEmpty {
                o["reads_env"] = .array(envNames.map { ["name": .string($0), "set": .bool(processEnvironment[$0] != nil)] })
                let unset = envNames.filter { processEnvironment[$0] == nil }
                if !unset.isEmpty, problem == nil {
                    problem = "\(unset.joined(separator: ", ")) \(unset.count == 1 ? "is" : "are") not set: cases using '\(name)' cannot run"
                }
            }
            if let problem { o["error"] = .string(problem) }
            o["usable"] = .bool(problem == nil)
            o["warnings"] = .array(warnings)
            profiles.append(.object(o))
        }
        return ["environment": environmentName.map { .string($0) } ?? .null, "profiles": .array(profiles)]
    }

    /// False when some profile of the document cannot make its credentials (`rehearse auth`
    /// exits 3 then: the environment lacks what the plans need).
    public static func allUsable(_ doc: JSONValue) -> Bool {
        guard case .array(let profiles)? = doc["profiles"] else { return true }
        return profiles.allSatisfy { $0["usable"] != .bool(false) }
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
            if let req = p["token_request"]?.stringValue {
                out += "  token: \(req), client_id \(p["client_id"]?.stringValue ?? ""), secret sent as \(p["client_auth"]?.stringValue ?? "")\n"
                if let s = p["scope"]?.stringValue { out += "  scope: \(s)\n" }
                if let a = p["audience"]?.stringValue { out += "  audience: \(a)\n" }
                out += "  one token per run, shared by its cases, fetched again shortly before expires_in runs out\n"
            }
            if let probe = p["probe"]?.stringValue { out += "  probe: \(probe) (`rehearse auth --probe` sends it)\n" }
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
