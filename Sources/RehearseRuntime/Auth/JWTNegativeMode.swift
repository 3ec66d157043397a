import Crypto
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import _CryptoExtras
import RehearseModel
import RehearseDiagnostics
import RehearseCompiler
import RehearseResults

/// Token variants for negative security tests: each is exactly what its name says.
///
/// Each variant is wrong in one way only, so that when a backend rejects it, it was rejected for
/// that reason: an expired token is otherwise valid, a wrong-secret token has the real header and
/// claims, and so on.
public enum JWTNegativeMode: String, Sendable, CaseIterable {
    /// Signed with the real key; `iat` two hours and `exp` one hour before now.
    case expired
    /// The real header and claims, signed with a fresh key of the same algorithm.
    case wrongSecret = "wrong-secret"
    /// The real token with its payload swapped for escalated claims; the signature is left as it was.
    case tampered
    /// Header `{"alg":"none"}`, the real claims, and an empty signature segment.
    case noneAlg = "none-alg"
}

extension JWTSigner {
    /// A token that a correct backend must refuse, built as `mode` describes.
    ///
    /// `claims` are the real claims (with `iat`/`exp` already set by the caller); `now` is injected so
    /// that tests and reports agree on the instant. `extra` header fields (`kid`, say) are kept in
    /// every mode, so the backend finds the key it expects and fails on the intended flaw instead.
    public func negativeToken(
        _ mode: JWTNegativeMode,
        claims: [String: JSONValue],
        now: Date,
        header extra: [String: JSONValue] = [:]
    ) throws(JWTError) -> String {
        switch mode {
        case .expired:
            return try sign(claims: Self.expiredClaims(claims, now: now), header: extra)

        case .wrongSecret:
            return try JWTSigner(algorithm: algorithm, parsedKey: try impostorKey()).sign(claims: claims, header: extra)

        case .tampered:
            let header = try header(extra: extra)
            let signature = try sign(signingInput: Self.signingInput(header: header, claims: claims))
            return Self.segment(header) + "." + Self.segment(Self.escalated(claims)) + "." + signature

        case .noneAlg:
            var header = extra
            header["alg"] = "none"
            if header["typ"] == nil { header["typ"] = "JWT" }
            // The trailing dot matters: RFC 7519 §6.1 writes an unsecured JWT with an empty third
            // segment, and that is the form a lax verifier is most likely to accept.
            return Self.signingInput(header: header, claims: claims) + "."
        }
    }

    static func expiredClaims(_ claims: [String: JSONValue], now: Date) -> [String: JSONValue] {
        let t = wholeSeconds(now.timeIntervalSince1970)
        var out = claims
        out["iat"] = .number(Double(t - 7200))
        out["exp"] = .number(Double(t - 3600))
        // A later `nbf` would give the backend a second reason to refuse; only expiry may be wrong.
        if out["nbf"] != nil { out["nbf"] = .number(Double(t - 7200)) }
        return out
    }

    /// The claims a forger would want: more privilege, or someone else's identity. Always differs
    /// from `claims`, so the tampered payload never happens to match its signature.
    static func escalated(_ claims: [String: JSONValue]) -> [String: JSONValue] {
        var out = claims
        if case .array(let perms)? = claims["permissions"], !perms.contains("admin") {
            out["permissions"] = .array(perms + ["admin"])
        } else if case .string(let scope)? = claims["scope"], !scope.split(separator: " ").contains("admin") {
            out["scope"] = .string(scope.isEmpty ? "admin" : scope + " admin")
        } else if case .string(let sub)? = claims["sub"] {
            out["sub"] = .string(sub == "admin" ? "root" : "admin")
        } else if claims["admin"] != true {
            out["admin"] = true
        } else {
            out["sub"] = "admin"
        }
        return out
    }

    /// A key of the same family that is certainly not the real one.
    private func impostorKey() throws(JWTError) -> ParsedKey {
        switch key {
        case .hmac(let real):
            while true {
                let fresh = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
                if fresh != real { return .hmac(fresh) }
            }
        case .rsa(let real):
            // Same modulus size as the real key, so the signature has the expected length and a
            // backend cannot refuse it on length alone.
            do {
                return .rsa(try _RSA.Signing.PrivateKey(unsafeKeySize: .init(bitCount: real.keySizeInBits)))
            } catch {
                throw JWTError("could not generate a throwaway RSA key for wrong-secret")
            }
        case .ec:
            return .ec(p256Scalar: Array(P256.Signing.PrivateKey().rawRepresentation))
        }
    }
}
