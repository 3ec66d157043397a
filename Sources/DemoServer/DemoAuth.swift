import Crypto
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Verifies HMAC-signed JSON Web Tokens for the demo server and mints the
/// tokens handed out by `/auth/login`.
///
/// This is deliberately separate from Rehearse's own signer: the demo server
/// is the independent party that proves Rehearse's tokens are standard.
struct DemoJWT: Sendable {
    /// The HMAC algorithms the server accepts; anything else (including
    /// `none`) is refused before the signature is even looked at.
    enum Algorithm: String, Sendable {
        case hs256 = "HS256"
        case hs384 = "HS384"
        case hs512 = "HS512"

        func sign(_ input: Data, key: SymmetricKey) -> Data {
            switch self {
            case .hs256: Data(HMAC<SHA256>.authenticationCode(for: input, using: key))
            case .hs384: Data(HMAC<SHA384>.authenticationCode(for: input, using: key))
            case .hs512: Data(HMAC<SHA512>.authenticationCode(for: input, using: key))
            }
        }

        /// Constant-time comparison, so timing does not leak how much of a
        /// forged signature was right.
        func verify(_ signature: Data, for input: Data, key: SymmetricKey) -> Bool {
            switch self {
            case .hs256: HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: input, using: key)
            case .hs384: HMAC<SHA384>.isValidAuthenticationCode(signature, authenticating: input, using: key)
            case .hs512: HMAC<SHA512>.isValidAuthenticationCode(signature, authenticating: input, using: key)
            }
        }
    }

    /// The claims the demo endpoints use.
    struct Claims: Sendable, Equatable {
        var sub: String?
        var email: String?
        var iss: String?
        var exp: Int?
        var permissions: [String]
    }

    /// Why a token was refused; `detail` is what goes back to the client.
    enum Failure: Error, Equatable {
        case malformed(String)
        case algorithmNone
        case unsupportedAlgorithm(String)
        case badSignature
        case expired
        case wrongIssuer

        var detail: String {
            switch self {
            case .malformed(let why): "malformed token: \(why)"
            case .algorithmNone: "alg none is not accepted"
            case .unsupportedAlgorithm(let alg): "unsupported alg \(alg)"
            case .badSignature: "signature verification failed"
            case .expired: "token expired"
            case .wrongIssuer: "unexpected issuer"
            }
        }
    }

    // Kept as bytes because SymmetricKey is not Sendable on every platform.
    private let secret: Data
    let issuer: String?

    init(secret: String, issuer: String?) {
        self.secret = Data(secret.utf8)
        self.issuer = issuer
    }

    /// Any length is fine: HMAC hashes long keys and pads short (even empty)
    /// ones, as RFC 2104 prescribes.
    private var key: SymmetricKey { SymmetricKey(data: secret) }

    func verify(_ token: String, now: Date = Date()) throws(Failure) -> Claims {
        let segments = token.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.count == 3 else { throw .malformed("expected three segments") }
        guard let headerData = Base64URL.decode(segments[0]),
              let header = try? JSONDecoder().decode(Header.self, from: headerData)
        else { throw .malformed("header is not base64url JSON") }
        guard let alg = header.alg else { throw .malformed("missing alg") }
        if alg.lowercased() == "none" { throw .algorithmNone }
        guard let algorithm = Algorithm(rawValue: alg) else { throw .unsupportedAlgorithm(alg) }
        guard let signature = Base64URL.decode(segments[2]), !signature.isEmpty else {
            throw .malformed("signature is not base64url")
        }
        let signingInput = Data("\(segments[0]).\(segments[1])".utf8)
        guard algorithm.verify(signature, for: signingInput, key: key) else { throw .badSignature }

        // Claims are only read once the signature holds, so nothing forged
        // can influence which error a caller sees.
        guard let payloadData = Base64URL.decode(segments[1]) else {
            throw .malformed("payload is not base64url")
        }
        let payload: Payload
        do {
            payload = try JSONDecoder().decode(Payload.self, from: payloadData)
        } catch let error as Failure {
            throw error
        } catch {
            throw .malformed("payload is not a JSON object")
        }
        if let exp = payload.exp, exp <= Int(now.timeIntervalSince1970) { throw .expired }
        if let issuer, payload.iss != issuer { throw .wrongIssuer }
        return Claims(
            sub: payload.sub,
            email: payload.email,
            iss: payload.iss,
            exp: payload.exp,
            permissions: payload.permissions ?? []
        )
    }

    /// Mints the HS256 token `/auth/login` hands out.
    func mint(subject: String, permissions: [String], lifetime: Int, now: Date = Date()) -> String {
        let issuedAt = Int(now.timeIntervalSince1970)
        var claims: [String: Any] = [
            "sub": subject,
            "email": "\(subject)@example.com",
            "permissions": permissions,
            "iat": issuedAt,
            "exp": issuedAt + lifetime,
            // Two tokens minted in the same second differ, as a real server's do (a rotated
            // session must not come back as the same string).
            "jti": UUID().uuidString.lowercased(),
        ]
        if let issuer { claims["iss"] = issuer }
        let header = Base64URL.encode(Data(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        let payloadData = DemoJSON.serialize(claims)
        let signingInput = "\(header).\(Base64URL.encode(payloadData))"
        let signature = Algorithm.hs256.sign(Data(signingInput.utf8), key: key)
        return "\(signingInput).\(Base64URL.encode(signature))"
    }

    private struct Header: Decodable {
        var alg: String?
    }

    private struct Payload: Decodable {
        var sub: String?
        var email: String?
        var iss: String?
        var exp: Int?
        var permissions: [String]?

        enum CodingKeys: String, CodingKey { case sub, email, iss, exp, permissions }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            // Only `exp` is strict: a fractional or string expiry is a token
            // bug Rehearse's users should hear about, not something to guess at.
            if container.contains(.exp) {
                guard let exp = try? container.decode(Int.self, forKey: .exp) else {
                    throw Failure.malformed("exp must be integer seconds")
                }
                self.exp = exp
            }
            sub = try? container.decodeIfPresent(String.self, forKey: .sub)
            email = try? container.decodeIfPresent(String.self, forKey: .email)
            iss = try? container.decodeIfPresent(String.self, forKey: .iss)
            permissions = try? container.decodeIfPresent([String].self, forKey: .permissions)
        }
    }
}

/// Unpadded base64url (RFC 4648 §5), as JWT segments use it.
enum Base64URL {
    static func encode(_ data: Data) -> String {
        data.base64EncodedString()
            .replacing("+", with: "-")
            .replacing("/", with: "_")
            .replacing("=", with: "")
    }

    static func decode(_ text: some StringProtocol) -> Data? {
        // Foundation would accept the standard alphabet too; refusing it keeps
        // "malformed" meaning malformed.
        var base64 = ""
        base64.reserveCapacity(text.utf8.count + 3)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "A"..."Z", "a"..."z", "0"..."9": base64.unicodeScalars.append(scalar)
            case "-": base64.append("+")
            case "_": base64.append("/")
            default: return nil
            }
        }
        switch base64.utf8.count % 4 {
        case 1: return nil
        case 2: base64 += "=="
        case 3: base64 += "="
        default: break
        }
        return Data(base64Encoded: base64)
    }
}
