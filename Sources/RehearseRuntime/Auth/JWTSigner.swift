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

/// Mints compact-serialised JWTs (RFC 7519) signed with one algorithm and key.
///
/// The key is parsed and checked against the algorithm once, in `init`, so a plan with a bad key
/// fails before its first request rather than in the middle of a run.
public struct JWTSigner: Sendable {
    /// The algorithm every token from this signer names in its header and is signed with.
    public let algorithm: JWTAlgorithm
    let key: ParsedKey

    /// Checks that `key` suits `algorithm`: an HMAC secret of any length (even empty) for HS*,
    /// an RSA private key for RS256, a P-256 private key for ES256.
    public init(algorithm: JWTAlgorithm, key: JWTKey) throws(JWTError) {
        self.algorithm = algorithm
        self.key = try ParsedKey(algorithm: algorithm, key: key)
    }

    init(algorithm: JWTAlgorithm, parsedKey: ParsedKey) {
        self.algorithm = algorithm
        self.key = parsedKey
    }

    /// A signed token: header `{"alg": …, "typ": "JWT"}` plus `extra` (which may replace `typ`
    /// or add `kid`, but not name another `alg`), and `claims` as the payload.
    public func sign(claims: [String: JSONValue], header extra: [String: JSONValue] = [:]) throws(JWTError) -> String {
        let input = Self.signingInput(header: try header(extra: extra), claims: claims)
        return input + "." + (try sign(signingInput: input))
    }

    /// The base64url signature of `signingInput` (the `header.payload` text), as the third segment
    /// of a compact JWS.
    public func sign(signingInput: String) throws(JWTError) -> String {
        Base64URL.encode(try signature(over: Array(signingInput.utf8)))
    }

    /// `iat` and `exp` as whole seconds since 1970 (what servers parse as NumericDate), and `jti`.
    public static func timeClaims(now: Date, ttl: TimeInterval, jti: String) -> [String: JSONValue] {
        let issued = now.timeIntervalSince1970
        return [
            "iat": .number(Double(wholeSeconds(issued))),
            "exp": .number(Double(wholeSeconds(issued + ttl))),
            "jti": .string(jti),
        ]
    }

    // MARK: - Internals shared with the negative modes

    func header(extra: [String: JSONValue]) throws(JWTError) -> [String: JSONValue] {
        if let alg = extra["alg"], alg != .string(algorithm.rawValue) {
            // A header naming an algorithm other than the one used is a forgery of its own kind;
            // it must come from a negative mode on purpose, not from a stray header field.
            throw JWTError("the header's \"alg\" is set by the signer (\(algorithm.rawValue)); remove \"alg\" from the extra header fields")
        }
        var header = extra
        header["alg"] = .string(algorithm.rawValue)
        if header["typ"] == nil { header["typ"] = "JWT" }
        return header
    }

    static func signingInput(header: [String: JSONValue], claims: [String: JSONValue]) -> String {
        segment(header) + "." + segment(claims)
    }

    static func segment(_ object: [String: JSONValue]) -> String {
        Base64URL.encode(JSONValue.object(object).jsonText.utf8)
    }

    func signature(over input: [UInt8]) throws(JWTError) -> [UInt8] {
        switch key {
        case .hmac(let bytes):
            let secret = SymmetricKey(data: bytes)
            switch algorithm {
            case .hs256: return Array(HMAC<SHA256>.authenticationCode(for: input, using: secret))
            case .hs384: return Array(HMAC<SHA384>.authenticationCode(for: input, using: secret))
            case .hs512: return Array(HMAC<SHA512>.authenticationCode(for: input, using: secret))
            case .rs256, .es256: break
            }
        case .rsa(let privateKey):
            guard algorithm == .rs256 else { break }
            do {
                // RS256 is RSASSA-PKCS1-v1_5 (RFC 7518 §3.3); swift-crypto names that padding
                // "insecure" only to steer new protocols towards PSS.
                let sig = try privateKey.signature(for: SHA256.hash(data: input), padding: .insecurePKCS1v1_5)
                return Array(sig.rawRepresentation)
            } catch {
                throw JWTError("RS256 signing failed")
            }
        case .ec(let scalar):
            guard algorithm == .es256 else { break }
            do {
                let privateKey = try P256.Signing.PrivateKey(rawRepresentation: scalar)
                // JWS wants the fixed 64-byte r||s (RFC 7518 §3.4), which is rawRepresentation, not DER.
                return Array(try privateKey.signature(for: SHA256.hash(data: input)).rawRepresentation)
            } catch {
                throw JWTError("ES256 signing failed")
            }
        }
        // ParsedKey.init only pairs keys with their own algorithms; this is kept as an error, not a
        // trap, so that a future case cannot crash a run.
        throw JWTError("\(algorithm.rawValue) cannot sign with this kind of key")
    }

    /// Whole seconds, clamped to what a JSON number holds exactly, so a silly TTL cannot trap.
    static func wholeSeconds(_ t: Double) -> Int64 {
        let limit = 9_007_199_254_740_991.0
        guard !t.isNaN else { return 0 }
        return Int64(min(max(t.rounded(.down), -limit), limit))
    }
}
