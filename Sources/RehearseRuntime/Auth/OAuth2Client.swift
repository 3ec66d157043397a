#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseDiagnostics
import RehearseCompiler
import RehearseResults

/// A token from an OAuth2 token endpoint, and when it stops being valid (nil: the endpoint gave
/// no `expires_in`, so it is kept for the whole run).
struct OAuth2Token: Sendable {
    var value: String
    var expires: Date?

    /// Fetched again this long before `expires_in` runs out: a tenth of the lifetime, at most a minute.
    static func margin(lifetime: TimeInterval) -> TimeInterval { min(60, lifetime / 10) }

    func isFresh(at now: Date, lifetime: TimeInterval?) -> Bool {
        guard let expires else { return true }
        return expires.timeIntervalSince(now) > Self.margin(lifetime: lifetime ?? 600)
    }
}

/// The client credentials grant (RFC 6749 §4.4): one POST to `token_url` through the run's one
/// retry loop. The client secret and the token go into the masker before anything is shown.
struct OAuth2Client {
    let context: RunContext
    let renderer: TemplateRenderer

    struct Fetched: Sendable {
        var result: Result<OAuth2Token, AuthError>
        var lifetime: TimeInterval?
        var attempts: Int
    }

    func fetch(_ profile: AuthProfile, _ oauth: OAuth2Profile) async -> Fetched {
        func fail(_ message: String, _ attempts: Int) -> Fetched {
            Fetched(result: .failure(AuthError(description: context.masker.mask(message))), lifetime: nil, attempts: attempts)
        }
        let request: HTTPRequestData
        do throws(RenderError) {
            request = try Self.tokenRequest(oauth, renderer: renderer, masker: context.masker,
                                            common: try context.commonHeaders(renderer),
                                            timeout: context.options.timeout ?? context.graph.suite.defaults.requestTimeout)
        } catch {
            return fail("cannot render the token request: \(error.message)", 0)
        }
        let response: HTTPResponseData, attempts: Int
        switch await RetryLoop.send(request, policy: context.graph.suite.defaults.retryPolicy, context: context) {
        case .answered(let r, let n): (response, attempts) = (r, n)
        case .failed(let error, let n): return fail("POST \(request.url): \(error.message)", n)
        case .interrupted(_, let n): return fail("interrupted", n)
        }
        let (result, lifetime) = Self.read(response, url: request.url, now: context.clock.now(), masker: context.masker)
        return Fetched(result: result, lifetime: lifetime, attempts: attempts)
    }

    /// The form POST: `grant_type=client_credentials`, scope and audience when given; the client
    /// secret as HTTP Basic, or with `client_auth: body` in the form.
    static func tokenRequest(_ oauth: OAuth2Profile, renderer: TemplateRenderer, masker: SecretMasker,
                             common: [(name: String, value: String)], timeout: Duration) throws(RenderError) -> HTTPRequestData {
        let url = try renderer.renderString(oauth.tokenURL)
        let id = try renderer.renderString(oauth.clientID)
        let secret = try renderer.renderString(oauth.clientSecret)
        masker.add(secret)
        var form: [(String, String)] = [("grant_type", "client_credentials")]
        if let s = oauth.scope { form.append(("scope", try renderer.renderString(s))) }
        if let a = oauth.audience { form.append(("audience", try renderer.renderString(a))) }
        var headers = common
        headers.append(("Content-Type", "application/x-www-form-urlencoded"))
        headers.append(("Accept", "application/json"))
        switch oauth.clientAuth {
        case .basic:
            // RFC 6749 §2.3.1: both parts are form-encoded before they are joined.
            let basic = Data("\(formEncode(id)):\(formEncode(secret))".utf8).base64EncodedString()
            masker.add(basic)
            headers.append(("Authorization", "Basic \(basic)"))
        case .body:
            form += [("client_id", id), ("client_secret", secret)]
            masker.add(formEncode(secret))
        }
        let body = form.map { "\(formEncode($0.0))=\(formEncode($0.1))" }.joined(separator: "&")
        return HTTPRequestData(method: "POST", url: url, headers: headers, body: Array(body.utf8), timeout: timeout)
    }

    /// `access_token` and `expires_in` of a 2xx JSON answer; anything else is the endpoint's
    /// answer, masked and cut, as the reason.
    static func read(_ response: HTTPResponseData, url: String, now: Date, masker: SecretMasker)
        -> (Result<OAuth2Token, AuthError>, TimeInterval?) {
        let json = try? JSONValue.parse(response.body)
        if let token = json?["access_token"]?.stringValue, !token.isEmpty {
            masker.add(token)
        }
        guard (200..<300).contains(response.status) else {
            let body = masker.excerpt(response.bodyText, limit: 300)
            return (.failure(AuthError(description: "POST \(url): the token endpoint answered \(response.status)\(body.isEmpty ? "" : ": \(body)")")), nil)
        }
        guard let token = json?["access_token"]?.stringValue, !token.isEmpty else {
            return (.failure(AuthError(description: "POST \(url): the answer (\(response.status)) has no `access_token`")), nil)
        }
        var lifetime: TimeInterval?
        if case .number(let n)? = json?["expires_in"], n > 0 { lifetime = n }
        if let s = json?["expires_in"]?.stringValue, let n = Double(s), n > 0 { lifetime = n }
        return (.success(OAuth2Token(value: token, expires: lifetime.map { now.addingTimeInterval($0) })), lifetime)
    }

    static func formEncode(_ s: String) -> String {
        // The form-urlencoded byte set (WHATWG URL): alphanumerics and `*-._`; a space as `+`.
        Text.percentEncoded(s) { Text.isASCIIAlphanumeric($0) || "*-._".utf8.contains($0) }.replacingAll("%20", with: "+")
    }
}
