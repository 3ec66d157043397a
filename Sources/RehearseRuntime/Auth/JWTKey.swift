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

/// The JWS algorithms Rehearse can mint tokens with (RFC 7518 §3.1 names).
public enum JWTAlgorithm: String, Sendable, CaseIterable {
    case hs256 = "HS256"
    case hs384 = "HS384"
    case hs512 = "HS512"
    case rs256 = "RS256"
    case es256 = "ES256"
}

/// The key a token is signed with, as a plan or the environment provides it.
public enum JWTKey: Sendable {
    /// A shared secret for HS256/384/512, any length (staging secrets are often short).
    case hmac([UInt8])
    /// An RSA private key in PEM, "PRIVATE KEY" (PKCS#8) or "RSA PRIVATE KEY" (PKCS#1), for RS256.
    case rsaPrivatePEM(String)
    /// A P-256 private key in PEM, "PRIVATE KEY" (PKCS#8) or "EC PRIVATE KEY" (SEC1), for ES256.
    case ecPrivatePEM(String)

    var kindName: String {
        switch self {
        case .hmac: return "an HMAC secret"
        case .rsaPrivatePEM: return "an RSA private key"
        case .ecPrivatePEM: return "an EC private key"
        }
    }
}

/// Why a token could not be minted. The description is safe to print: it never holds key material.
public struct JWTError: Error, Sendable, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}

/// A key parsed and checked against its algorithm, ready to sign.
///
/// HMAC and P-256 keys are kept as bytes because swift-crypto 3's `SymmetricKey` and P256 keys are
/// not `Sendable`; rebuilding them per signature costs next to nothing.
enum ParsedKey: Sendable {
    case hmac([UInt8])
    case rsa(_RSA.Signing.PrivateKey)
    case ec(p256Scalar: [UInt8])

    init(algorithm: JWTAlgorithm, key: JWTKey) throws(JWTError) {
        switch (algorithm, key) {
        case (.hs256, .hmac(let secret)), (.hs384, .hmac(let secret)), (.hs512, .hmac(let secret)):
            // No minimum length on purpose: RFC 7518 asks for one, but the tool must mint whatever
            // the backend under test accepts, and a short secret must never stop (or crash) a run.
            self = .hmac(secret)
        case (.rs256, .rsaPrivatePEM(let pem)):
            self = .rsa(try Self.rsaKey(pem: pem))
        case (.es256, .ecPrivatePEM(let pem)):
            self = .ec(p256Scalar: Array(try Self.ecKey(pem: pem).rawRepresentation))
        default:
            let wanted: String
            switch algorithm {
            case .hs256, .hs384, .hs512: wanted = "an HMAC secret"
            case .rs256: wanted = "an RSA private key (PEM)"
            case .es256: wanted = "a P-256 EC private key (PEM)"
            }
            throw JWTError("\(algorithm.rawValue) needs \(wanted), but was given \(key.kindName)")
        }
    }

    private static func rsaKey(pem: String) throws(JWTError) -> _RSA.Signing.PrivateKey {
        let text = normalizedPEM(pem)
        guard text.contains("-----BEGIN PRIVATE KEY-----") || text.contains("-----BEGIN RSA PRIVATE KEY-----") else {
            throw JWTError("the private key is not a valid PEM for RS256: expected a \"PRIVATE KEY\" or \"RSA PRIVATE KEY\" block")
        }
        // The unsafe initialiser admits 1024-bit keys: a staging backend with a legacy key is still
        // a backend the plan must be able to test. swift-crypto refuses anything smaller.
        do {
            return try _RSA.Signing.PrivateKey(unsafePEMRepresentation: text)
        } catch {
            // The underlying error is not forwarded: its text is not ours to vet for key material.
            throw JWTError("the private key is not a valid PEM for RS256 (it must be an RSA key of at least 1024 bits)")
        }
    }

    private static func ecKey(pem: String) throws(JWTError) -> P256.Signing.PrivateKey {
        let text = normalizedPEM(pem)
        guard text.contains("-----BEGIN PRIVATE KEY-----") || text.contains("-----BEGIN EC PRIVATE KEY-----") else {
            throw JWTError("the private key is not a valid PEM for ES256: expected a \"PRIVATE KEY\" or \"EC PRIVATE KEY\" block")
        }
        do {
            return try P256.Signing.PrivateKey(pemRepresentation: text)
        } catch {
            throw JWTError("the private key is not a valid PEM for ES256 (it must be an EC key on curve P-256)")
        }
    }

    /// CI secrets often hold a PEM on one line with literal `\n` escapes, or with stray indentation
    /// from a YAML block; both are undone so the same key works however it was pasted.
    static func normalizedPEM(_ pem: String) -> String {
        var text = pem
        if !text.contains("\n"), text.contains("\\n") {
            text = text.replacingAll("\\n", with: "\n")
        }
        let lines = text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r" })
            .map { $0.trimmingSpaces() }
            .filter { !$0.isEmpty }
        return lines.joined(separator: "\n") + "\n"
    }
}
