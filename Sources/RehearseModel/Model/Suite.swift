/// `rehearse.yaml`: environments, auth profiles and defaults shared by every plan.
public struct Suite: Sendable {
    public var file: String?
    public var version: Int = 1
    public var defaultEnv: Located<String>?
    public var environments: [(String, Environment)] = []
    public var vars: [(String, ValueTemplate)] = []
    public var headers: [(String, Template)] = []
    public var defaults = SuiteDefaults()
    public var auth: [(String, AuthProfile)] = []

    public init() {}

    public func environment(_ name: String) -> Environment? { environments.first { $0.0 == name }?.1 }
    public func profile(_ name: String) -> AuthProfile? { auth.first { $0.0 == name }?.1 }
}

public struct Environment: Sendable {
    public var name: String
    public var position: SourcePosition
    public var vars: [(String, ValueTemplate)] = []
    public var requireEnv: [Located<String>] = []
    public var headers: [(String, Template)] = []
    /// `tls:` client certificate, key and private CA (spec §10); nil uses the system's trust store.
    public var tls: TLSSpec?


    package init(name: String, position: SourcePosition, vars: [(String, ValueTemplate)] = [], requireEnv: [Located<String>] = [], headers: [(String, Template)] = []) {

        self.name = name

        self.position = position

        self.vars = vars

        self.requireEnv = requireEnv

        self.headers = headers

    }
}

public struct SuiteDefaults: Sendable {
    public var timeout: Duration?
    public var auth: AuthUse?
    public var retry: RetryOverride?


    package init(timeout: Duration? = nil, auth: AuthUse? = nil, retry: RetryOverride? = nil) {

        self.timeout = timeout

        self.auth = auth

        self.retry = retry

    }
}

/// An auth profile of spec §2.
public struct AuthProfile: Sendable {
    public enum Kind: Sendable {
        case jwt(JWTProfile)
        case basic(username: Template, password: Template)
        case header(name: String, value: Template)
        case bearer(Template)
        case login(LoginProfile)
        case oauth2(OAuth2Profile)
    }
    public var name: String
    public var kind: Kind
    public var position: SourcePosition
    /// Header that carries the credential (default `Authorization`).
    public var header: String?
    /// Scheme before the token (default `Bearer`; empty string sends the bare token).
    public var scheme: String?
    /// `probe:` a request that succeeds only with valid credentials (spec §10).
    public var probe: AuthProbe?

    public var isJWT: Bool { if case .jwt = kind { return true } else { return false } }
    public var isLogin: Bool { if case .login = kind { return true } else { return false } }
    /// Login and OAuth2 profiles fetch a token once per run: the graph gets a node for them.
    public var isSession: Bool {
        switch kind {
        case .login, .oauth2: return true
        default: return false
        }
    }
    public var kindName: String {
        switch kind {
        case .jwt: return "jwt"
        case .basic: return "basic"
        case .header: return "header"
        case .bearer: return "bearer"
        case .login: return "login"
        case .oauth2: return "oauth2"
        }
    }

    package init(name: String, kind: Kind, position: SourcePosition, header: String? = nil, scheme: String? = nil) {
        self.name = name
        self.kind = kind
        self.position = position
        self.header = header
        self.scheme = scheme
    }
}

public struct JWTProfile: Sendable {
    public var algorithm: String = "HS256"
    public var secretEnv: [String] = []
    public var secretDefault: Template?
    public var privateKeyEnv: String?
    public var claims: [(String, ValueTemplate)] = []
    public var ttl: Duration = .seconds(900)
    /// `header` (default) or `subprotocol` for WebSocket handshakes.
    public var websocket: String = "header"


    package init(algorithm: String = "HS256", secretEnv: [String] = [], secretDefault: Template? = nil, privateKeyEnv: String? = nil, claims: [(String, ValueTemplate)] = [], ttl: Duration = .seconds(900), websocket: String = "header") {

        self.algorithm = algorithm

        self.secretEnv = secretEnv

        self.secretDefault = secretDefault

        self.privateKeyEnv = privateKeyEnv

        self.claims = claims

        self.ttl = ttl

        self.websocket = websocket

    }
}

public struct LoginProfile: Sendable {
    public var request: HTTPRequestSpec
    public var expect: Expectation
    public var token: JSONPath


    package init(request: HTTPRequestSpec, expect: Expectation, token: JSONPath) {

        self.request = request

        self.expect = expect

        self.token = token

    }
}
