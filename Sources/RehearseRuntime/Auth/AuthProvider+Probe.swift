#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseCompiler

extension AuthProvider {
    /// A token of `jwt` signed with `secret` instead of the profile's own choice: the probe's
    /// candidates. Claims are rendered as for the profile's real tokens; the token is masked.
    func mint(_ profile: AuthProfile, _ jwt: JWTProfile, secret: String) throws(AuthError) -> String {
        guard let alg = JWTAlgorithm(rawValue: jwt.algorithm) else {
            throw AuthError(description: "profile '\(profile.name)': unsupported algorithm \(jwt.algorithm)")
        }
        masker.add(secret)
        var claims: [String: JSONValue] = [:]
        for (name, value) in jwt.claims {
            do { claims[name] = try renderer.render(value) } catch {
                throw AuthError(description: "profile '\(profile.name)': claim \(name): \(error.message)")
            }
        }
        for (k, v) in JWTSigner.timeClaims(now: clock.now(), ttl: jwt.ttl.seconds, jti: renderer.random.uuid()) { claims[k] = v }
        let token: String
        do { token = try JWTSigner(algorithm: alg, key: .hmac(Array(secret.utf8))).sign(claims: claims) } catch {
            throw AuthError(description: "profile '\(profile.name)': \(error.description)")
        }
        masker.add(token)
        return token
    }

    /// The rendered `secret_default`, masked from here on.
    func renderedDefault(_ profile: AuthProfile, _ jwt: JWTProfile) throws(AuthError) -> String? {
        guard let t = jwt.secretDefault else { return nil }
        do {
            let s = try renderer.renderString(t)
            masker.add(s)
            return s
        } catch {
            throw AuthError(description: "profile '\(profile.name)': secret_default: \(error.message)")
        }
    }

    /// Forgets the profile's minted token, so the next case mints a new one.
    func forgetMinted(_ name: String) { minted[name] = nil }
}
