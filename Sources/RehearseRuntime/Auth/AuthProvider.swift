#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseDiagnostics
import RehearseCompiler
import RehearseResults

/// What a case sends to authenticate: headers, or a WebSocket subprotocol.
public struct Credentials: Sendable {
    public var headers: [(name: String, value: String)] = []
    public var subprotocol: String?
    public static let none = Credentials()
}

/// Why credentials could not be made (the case is `errored`, or its dependents skipped).
public struct AuthError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// Where a JWT profile's key came from: the answer to "which secret did we sign with?".
public struct SecretResolution: Sendable {
    public enum Source: Sendable, Equatable {
        case environment(String)
        case defaultValue
        case missing
    }
    public var source: Source
    /// Each variable of the priority list and whether it is set (values are never kept here).
    public var candidates: [(name: String, isSet: Bool)]
}

/// Makes credentials once per run and shares them (spec §2): JWTs are minted on first use and
/// again before they expire; login tokens are stored by the login node of the graph.
public actor AuthProvider {
    let suite: Suite
    let environment: [String: String]
    let renderer: TemplateRenderer
    let clock: any RunClock
    let masker: SecretMasker
    var minted: [String: (token: String, claims: [String: JSONValue], expires: Date)] = [:]
    private var loginTokens: [String: String] = [:]
    /// OAuth2 tokens, and the fetch under way per profile (so concurrent cases wait on one request).
    var oauth2Tokens: [String: (token: OAuth2Token, lifetime: TimeInterval?)] = [:]
    var oauth2Fetches: [String: Task<OAuth2Client.Fetched, Never>] = [:]
    /// Logins made again after a 401, under way; and how often each profile was made again.
    var loginRenewals: [String: Task<Bool, Never>] = [:]
    var renewedCount: [String: Int] = [:]
    var notRenewable: Set<String> = []
    /// The run these credentials belong to: OAuth2 tokens are fetched through its transport and retry loop.
    let run = RunLink()

    public init(suite: Suite, environment: [String: String], renderer: TemplateRenderer, clock: any RunClock, masker: SecretMasker) {
        self.suite = suite
        self.environment = environment
        self.renderer = renderer
        self.clock = clock
        self.masker = masker
    }

    /// The first `secret_env` variable that is set and non-empty, else the default.
    public nonisolated static func resolveSecret(_ jwt: JWTProfile, environment: [String: String]) -> SecretResolution {
        let candidates = jwt.secretEnv.map { ($0, !(environment[$0] ?? "").isEmpty) }
        if let winner = candidates.first(where: { $0.1 }) {
            return SecretResolution(source: .environment(winner.0), candidates: candidates)
        }
        return SecretResolution(source: jwt.secretDefault == nil ? .missing : .defaultValue, candidates: candidates)
    }

    func key(for profile: AuthProfile, _ jwt: JWTProfile) throws(AuthError) -> (JWTAlgorithm, JWTKey) {
        guard let alg = JWTAlgorithm(rawValue: jwt.algorithm) else {
            throw AuthError(description: "profile '\(profile.name)': unsupported algorithm \(jwt.algorithm)")
        }
        switch alg {
        case .hs256, .hs384, .hs512:
            let resolution = Self.resolveSecret(jwt, environment: environment)
            let secret: String
            switch resolution.source {
            case .environment(let name): secret = environment[name]!
            case .defaultValue:
                do { secret = try renderer.renderString(jwt.secretDefault!) } catch {
                    throw AuthError(description: "profile '\(profile.name)': secret_default: \(error.message)")
                }
            case .missing:
                throw AuthError(description: "profile '\(profile.name)': none of \(jwt.secretEnv.joined(separator: ", ")) is set and there is no secret_default")
            }
            masker.add(secret)
            return (alg, .hmac(Array(secret.utf8)))
        case .rs256, .es256:
            guard let name = jwt.privateKeyEnv, let pem = environment[name], !pem.isEmpty else {
                throw AuthError(description: "profile '\(profile.name)': \(jwt.privateKeyEnv ?? "private_key_env") is not set")
            }
            masker.add(pem)
            return (alg, alg == .rs256 ? .rsaPrivatePEM(pem) : .ecPrivatePEM(pem))
        }
    }

    /// A valid token for a JWT profile, minted once and again shortly before it expires.
    func token(_ profile: AuthProfile, _ jwt: JWTProfile) throws(AuthError) -> (token: String, claims: [String: JSONValue], signer: JWTSigner) {
        let (alg, key) = try key(for: profile, jwt)
        let signer: JWTSigner
        do { signer = try JWTSigner(algorithm: alg, key: key) } catch {
            throw AuthError(description: "profile '\(profile.name)': \(error.description)")
        }
        let now = clock.now()
        if let cached = minted[profile.name], cached.expires.timeIntervalSince(now) > min(60, jwt.ttl.seconds / 10) {
            return (cached.token, cached.claims, signer)
        }
        var claims: [String: JSONValue] = [:]
        for (name, value) in jwt.claims {
            do { claims[name] = try renderer.render(value) } catch {
                throw AuthError(description: "profile '\(profile.name)': claim \(name): \(error.message)")
            }
        }
        for (k, v) in JWTSigner.timeClaims(now: now, ttl: jwt.ttl.seconds, jti: renderer.random.uuid()) { claims[k] = v }
        let token: String
        do { token = try signer.sign(claims: claims) } catch {
            throw AuthError(description: "profile '\(profile.name)': \(error.description)")
        }
        masker.add(token)
        minted[profile.name] = (token, claims, now.addingTimeInterval(jwt.ttl.seconds))
        return (token, claims, signer)
    }

    /// The claims of a freshly minted token (for `rehearse auth`).
    public func mintForInspection(_ name: String) throws(AuthError) -> (claims: [String: JSONValue], expires: Date) {
        guard let profile = suite.profile(name), case .jwt(let jwt) = profile.kind else {
            throw AuthError(description: "'\(name)' is not a jwt profile")
        }
        let t = try token(profile, jwt)
        return (t.claims, minted[name]!.expires)
    }

    public func storeLoginToken(_ token: String, for profile: String) {
        masker.add(token)
        loginTokens[profile] = token
    }

    /// The credentials a case sends for `use` (spec §2 and the auth-mode table).
    public func credentials(for use: AuthUse, webSocket: Bool = false) async throws(AuthError) -> Credentials {
        guard case .profile(let name, let mode) = use else { return .none }
        guard let profile = suite.profile(name.value) else { throw AuthError(description: "unknown auth profile '\(name.value)'") }
        if mode == .missing { return .none }
        let header = profile.header ?? "Authorization"
        let scheme = profile.scheme ?? "Bearer"
        func bearer(_ token: String) -> Credentials {
            Credentials(headers: [(header, scheme.isEmpty ? token : "\(scheme) \(token)")])
        }
        switch profile.kind {
        case .jwt(let jwt):
            if mode == .malformed { return bearer("not-a-jwt") }
            let minted = try token(profile, jwt)
            var token = minted.token
            if let negative = JWTNegativeMode(rawValue: mode.rawValue) {
                do { token = try minted.signer.negativeToken(negative, claims: minted.claims, now: clock.now()) } catch {
                    throw AuthError(description: "profile '\(profile.name)': \(error.description)")
                }
                masker.add(token)
            }
            if webSocket && jwt.websocket == "subprotocol" {
                return Credentials(subprotocol: "jwt." + Base64URL.encode(Array(token.utf8)))
            }
            return bearer(token)
        case .bearer(let t):
            if mode == .malformed { return bearer("not-a-jwt") }
            let token = try render(t, profile, "bearer")
            masker.add(token)
            return bearer(token)
        case .basic(let u, let p):
            if mode == .malformed { return Credentials(headers: [(header, "Basic not-base64!")]) }
            let user = try render(u, profile, "username"), password = try render(p, profile, "password")
            masker.add(password)
            let encoded = Data("\(user):\(password)".utf8).base64EncodedString()
            masker.add(encoded)
            return Credentials(headers: [(header, "Basic \(encoded)")])
        case .header(let headerName, let v):
            if mode == .malformed { return Credentials(headers: [(headerName, "not-a-valid-credential")]) }
            let value = try render(v, profile, "value")
            masker.add(value)
            return Credentials(headers: [(headerName, value)])
        case .oauth2(let oauth):
            if mode == .malformed { return bearer("not-a-jwt") }
            // A dry run sends nothing, the token request included; the header is shown redacted.
            if run.context?.options.dryRun == true { return bearer("token-fetched-when-the-run-starts") }
            return bearer(try await oauth2Token(profile, oauth).value)
        case .login:
            if mode == .malformed { return bearer("not-a-jwt") }
            guard let token = loginTokens[profile.name] else {
                throw AuthError(description: "profile '\(profile.name)': no session token (the login did not succeed)")
            }
            return bearer(token)
        }
    }

    private func render(_ t: Template, _ profile: AuthProfile, _ field: String) throws(AuthError) -> String {
        do { return try renderer.renderString(t) } catch {
            throw AuthError(description: "profile '\(profile.name)': \(field): \(error.message)")
        }
    }
}
