#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Hummingbird

/// Counts what the OAuth2 token endpoint was asked, so tests can check that a run shares one
/// token between its cases.
actor DemoOAuthLedger {
    private(set) var tokenRequests = 0
    private(set) var issued = 0

    func request() { tokenRequests += 1 }
    func issue() { issued += 1 }
}

extension DemoServerConfiguration {
    /// The secret of a backend that reads `order` and takes the first variable set, else
    /// `fallback`: how tests model a server whose lookup order differs from a plan's.
    public static func secret(lookingUp order: [String], in environment: [String: String], fallback: String) -> String {
        order.lazy.compactMap { environment[$0] }.first { !$0.isEmpty } ?? fallback
    }
}

extension DemoServer {
    /// `POST /oauth/token`: the client credentials grant (RFC 6749 §4.4). The client
    /// authenticates with HTTP Basic or with `client_id`/`client_secret` in the form; the token is
    /// a JWT the `/api` routes accept, valid for `oauthTokenLifetime` seconds.
    /// `GET /oauth/stats` says how many token requests came and how many tokens were issued.
    static func addOAuthRoutes(to router: Router<DemoRequestContext>, _ environment: DemoEnvironment) {
        let ledger = environment.oauth
        router.post("oauth/token") { request, _ in
            await ledger.request()
            let form = parseForm(String(decoding: try await DemoJSON.bodyData(of: request), as: UTF8.self))
            guard form["grant_type"] == "client_credentials" else {
                return DemoJSON.error(.badRequest, "unsupported_grant_type", detail: "only client_credentials is supported")
            }
            var id = form["client_id"], secret = form["client_secret"]
            if let header = request.headers[.authorization], header.lowercased().hasPrefix("basic ") {
                guard let decoded = Data(base64Encoded: DemoText.trimmed(header.dropFirst(6))),
                      let pair = String(data: decoded, encoding: .utf8), let colon = pair.firstIndex(of: ":") else {
                    return DemoJSON.error(.unauthorized, "invalid_client", detail: "malformed Basic credentials",
                                          headers: [.wwwAuthenticate: "Basic"])
                }
                id = DemoText.formDecoded(pair[..<colon], plusIsSpace: false)
                secret = DemoText.formDecoded(pair[pair.index(after: colon)...], plusIsSpace: false)
            }
            guard let id, let secret, let expected = environment.configuration.oauthClients[id], expected == secret else {
                return DemoJSON.error(.unauthorized, "invalid_client", detail: "unknown client or wrong secret",
                                      headers: [.wwwAuthenticate: "Basic"])
            }
            let scope = form["scope"] ?? "read"
            let lifetime = environment.configuration.oauthTokenLifetime
            let token = environment.verifier.mint(subject: id, permissions: scope.split(separator: " ").map(String.init),
                                                  lifetime: lifetime)
            await ledger.issue()
            var body: [String: Any] = ["access_token": token, "token_type": "Bearer", "expires_in": lifetime, "scope": scope]
            if let audience = form["audience"] { body["audience"] = audience }
            return DemoJSON.response(.ok, body, headers: [.cacheControl: "no-store"])
        }
        router.get("oauth/stats") { _, _ in
            DemoJSON.response(.ok, ["token_requests": await ledger.tokenRequests, "issued": await ledger.issued])
        }
    }

    /// `a=b&c=d` with `+` as space and percent escapes (application/x-www-form-urlencoded).
    static func parseForm(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                DemoText.formDecoded(s, plusIsSpace: true) ?? String(s)
            }
            guard let key = parts.first else { continue }
            out[decode(key)] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return out
    }
}

/// A backend that rotates its sessions mid-run: after `limit` accepted `/api` requests, every
/// token it has seen so far is revoked (401 `token_revoked`); tokens made afterwards work. It
/// rotates once, so a client that makes its credentials again once recovers.
actor DemoRotation {
    private var seen: Set<String> = []
    private var revoked: Set<String> = []
    private var accepted = 0
    private var rotated = false

    /// False for a revoked token; otherwise counts the request and rotates at `limit`.
    func admit(_ token: String, limit: Int) -> Bool {
        if revoked.contains(token) { return false }
        accepted += 1
        seen.insert(token)
        if !rotated, accepted >= limit {
            revoked = seen
            rotated = true
        }
        return true
    }
}
