import RehearseModel
import RehearseDiagnostics

/// The parts of `rehearse.yaml` that spec §10 adds: `probe:`, `oauth2:` and `environments.NAME.tls`.
extension SuiteParser {
    /// `probe: {request, expect}`, checked like a case: known keys only, and something to expect.
    func probe(_ node: YAMLNode, profile: String) -> AuthProbe? {
        guard let pairs = ctx.mapping(node, what: "probe", allowed: ["request", "expect"],
                                      hint: "for example `probe: {request: GET {{ base_url }}/api/me, expect: {status: 200}}`")
        else { return nil }
        var request: HTTPRequestSpec?
        var expect = Expectation()
        for p in pairs {
            switch p.key.scalar {
            case "request": request = plans.request(p.value)
            case "expect": expect = plans.expectation(p.value, what: "probe.expect")
            default: break
            }
        }
        if node["request"] == nil {
            ctx.error(.missingKey, "the probe of '\(profile)' needs a `request`", node,
                      hint: "a request that succeeds only with valid credentials, e.g. `request: GET {{ base_url }}/api/me`")
        }
        if expect.isEmpty {
            ctx.error(.noExpectation, "the probe of '\(profile)' expects nothing", node["expect"] ?? node,
                      hint: "add `expect: {status: 200}`: the answer that shows the credentials were accepted")
        }
        guard let request else { return nil }
        return AuthProbe(request: request, expect: expect, position: node.position)
    }

    static let oauth2Keys = ["token_url", "client_id", "client_secret", "scope", "audience", "client_auth", "header", "scheme"]

    /// `oauth2: {token_url, client_id, client_secret, scope, audience, client_auth}`.
    func oauth2(_ node: YAMLNode, header: inout String?, scheme: inout String?) -> OAuth2Profile? {
        guard let pairs = ctx.mapping(node, what: "oauth2", allowed: Self.oauth2Keys) else { return nil }
        var url: Template?, id: Template?, secret: Template?, scope: Template?, audience: Template?
        var clientAuth = OAuth2Profile.ClientAuth.basic
        for p in pairs {
            let v = p.value
            switch p.key.scalar {
            case "token_url":
                url = ctx.template(v, what: "token_url")
                // A literal URL must be one the token request can be sent to; a template is
                // checked when it is rendered.
                if let u = url, u.isLiteral, let text = v.scalar, !(text.hasPrefix("http://") || text.hasPrefix("https://")) {
                    ctx.error(.invalidValue, "oauth2.token_url must be an http:// or https:// URL, found '\(text)'", v,
                              hint: "the client credentials grant is an HTTP POST: `token_url: \"{{ base_url }}/oauth/token\"`")
                }
            case "client_id": id = ctx.template(v, what: "client_id")
            case "client_secret":
                secret = ctx.template(v, what: "client_secret")
                if v.scalar?.isEmpty == true {
                    ctx.error(.invalidValue, "oauth2.client_secret is empty", v,
                              hint: "read it from the environment: `client_secret: \"{{ env.CLIENT_SECRET }}\"`")
                }
            case "scope": scope = ctx.template(v, what: "scope")
            case "audience": audience = ctx.template(v, what: "audience")
            case "client_auth":
                guard let s = ctx.string(v, what: "client_auth") else { continue }
                if let a = OAuth2Profile.ClientAuth(rawValue: s) { clientAuth = a } else {
                    ctx.error(.invalidValue, "oauth2.client_auth is `basic` or `body`, found '\(s)'", v,
                              hint: Suggestions.hint(for: s, in: ["basic", "body"])
                                  ?? "`basic` sends the client secret as HTTP Basic (the default), `body` in the form")
                }
            case "header": header = ctx.string(v, what: "header")
            case "scheme": scheme = ctx.string(v, what: "scheme")
            default: break
            }
        }
        for (key, value) in [("token_url", url), ("client_id", id), ("client_secret", secret)] where value == nil && node[key] == nil {
            ctx.error(.missingKey, "oauth2 needs `\(key)`", node,
                      hint: key == "client_secret" ? "read it from the environment: `client_secret: \"{{ env.CLIENT_SECRET }}\"`" : nil)
        }
        guard let url, let id, let secret else { return nil }
        return OAuth2Profile(tokenURL: url, clientID: id, clientSecret: secret, scope: scope, audience: audience, clientAuth: clientAuth)
    }

    /// `tls: {client_cert, client_key, ca}`: each a file path or `{env: NAME}`.
    func tls(_ node: YAMLNode, environment: String) -> TLSSpec? {
        guard let pairs = ctx.mapping(node, what: "environment '\(environment)' tls", allowed: ["client_cert", "client_key", "ca"])
        else { return nil }
        var spec = TLSSpec(position: node.position)
        for p in pairs {
            let source = tlsSource(p.value, what: "tls.\(p.key.scalar ?? "")")
            switch p.key.scalar {
            case "client_cert": spec.clientCert = source
            case "client_key": spec.clientKey = source
            case "ca": spec.ca = source
            default: break
            }
        }
        if (spec.clientCert == nil) != (spec.clientKey == nil), node["client_cert"] != nil || node["client_key"] != nil {
            ctx.error(.missingKey, "a client certificate needs both `client_cert` and `client_key`", node,
                      hint: node["client_cert"] == nil ? "add `client_cert:` (the certificate's PEM)" : "add `client_key:` (the private key's PEM)")
        }
        return spec
    }

    private func tlsSource(_ node: YAMLNode, what: String) -> Located<TLSSpec.Source>? {
        if node.scalar != nil {
            guard let path = ctx.string(node, what: what) else { return nil }
            if path.isEmpty {
                ctx.error(.invalidValue, "\(what) is empty", node, hint: "a PEM file path relative to rehearse.yaml, or `{env: NAME}`")
                return nil
            }
            return Located(.file(path), at: node.position)
        }
        guard let pairs = ctx.mapping(node, what: what, allowed: ["env"],
                                      hint: "a PEM file path relative to rehearse.yaml, or `{env: NAME}` for PEM text in a variable")
        else { return nil }
        guard let name = pairs.first(where: { $0.key.scalar == "env" }).flatMap({ ctx.string($0.value, what: "\(what).env") }) else {
            if pairs.isEmpty { ctx.error(.missingKey, "\(what) needs `env: NAME`", node) }
            return nil
        }
        return Located(.env(name), at: node.position)
    }
}
