/// `probe:` on an auth profile (spec §10): a request that succeeds only with valid credentials,
/// sent by `rehearse auth --probe` and by the diagnosis after a run whose cases were all refused.
public struct AuthProbe: Sendable {
    public var request: HTTPRequestSpec
    public var expect: Expectation
    public var position: SourcePosition

    package init(request: HTTPRequestSpec, expect: Expectation, position: SourcePosition) {
        self.request = request
        self.expect = expect
        self.position = position
    }
}

/// `oauth2:` the client credentials grant (RFC 6749 §4.4): one token per run, fetched again
/// shortly before `expires_in` runs out.
public struct OAuth2Profile: Sendable {
    /// How the client authenticates at the token endpoint.
    public enum ClientAuth: String, Sendable {
        /// `Authorization: Basic base64(id:secret)` (RFC 6749 §2.3.1, the default).
        case basic
        /// `client_id` and `client_secret` in the form body.
        case body
    }
    public var tokenURL: Template
    public var clientID: Template
    public var clientSecret: Template
    public var scope: Template?
    public var audience: Template?
    public var clientAuth: ClientAuth

    package init(tokenURL: Template, clientID: Template, clientSecret: Template, scope: Template? = nil,
                 audience: Template? = nil, clientAuth: ClientAuth = .basic) {
        self.tokenURL = tokenURL
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.scope = scope
        self.audience = audience
        self.clientAuth = clientAuth
    }
}

/// `environments.NAME.tls`: a client certificate and key, and a private CA, as PEM.
public struct TLSSpec: Sendable {
    /// Where a PEM comes from: a file (relative to the suite folder) or a process variable.
    public enum Source: Sendable, Hashable {
        case file(String)
        case env(String)
    }
    public var clientCert: Located<Source>?
    public var clientKey: Located<Source>?
    public var ca: Located<Source>?
    public var position: SourcePosition

    package init(clientCert: Located<Source>? = nil, clientKey: Located<Source>? = nil, ca: Located<Source>? = nil,
                 position: SourcePosition) {
        self.clientCert = clientCert
        self.clientKey = clientKey
        self.ca = ca
        self.position = position
    }
}
