import Crypto
import Foundation
import XCTest

@testable import Rehearse
@testable import RehearseModel
@testable import RehearseDiagnostics
@testable import RehearseParser
@testable import RehearseCompiler
@testable import RehearseResults
@testable import RehearseRuntime
@testable import RehearseTransportNIO
@testable import RehearseReport

/// Signatures are checked against implementations that share no code with ours: the RFC's own
/// vector, python3's stdlib `hmac`, and the `openssl` CLI.
final class JWTTests: XCTestCase {
    let now = Date(timeIntervalSince1970: 1_700_000_000.75)

    var realClaims: [String: JSONValue] {
        var claims = JWTSigner.timeClaims(now: now, ttl: 900, jti: "run-42")
        claims["sub"] = "user-123"
        claims["permissions"] = ["read", "write"]
        return claims
    }

    // MARK: - RFC 7515 Appendix A.1

    func testRFC7515AppendixA1HS256() throws {
        // The header and payload of A.1 contain CR LF and spaces, so the signing input is taken as
        // the RFC prints it rather than rebuilt from claims.
        let signingInput = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
            + ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
        let k = "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"
        let key = try XCTUnwrap(Base64URL.decode(k))
        XCTAssertEqual(key.count, 64)
        let header = try XCTUnwrap(Base64URL.decode("eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"))
        XCTAssertEqual(String(decoding: header, as: UTF8.self), "{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}")

        let signer = try JWTSigner(algorithm: .hs256, key: .hmac(key))
        XCTAssertEqual(try signer.sign(signingInput: signingInput), "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
    }

    // MARK: - HMAC against python3

    func testHMACSignaturesMatchPythonStdlib() throws {
        let python = try requireTool("python3")
        var cases: [(alg: JWTAlgorithm, secret: [UInt8], token: String)] = []
        for alg in [JWTAlgorithm.hs256, .hs384, .hs512] {
            for length in [0, 1, 5, 31, 32, 64, 200] {
                // A patterned secret with every byte value in play, including 0x00 and 0xFF.
                let secret = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
                let signer = try JWTSigner(algorithm: alg, key: .hmac(secret))
                cases.append((alg, secret, try signer.sign(claims: realClaims, header: ["kid": .string("k\(length)")])))
            }
        }
        let request = JSONValue.array(cases.map { c in
            let input = c.token.split(separator: ".", omittingEmptySubsequences: false).prefix(2).joined(separator: ".")
            return [
                "alg": .string(c.alg.rawValue),
                "key": .string(c.secret.map { String(format: "%02x", $0) }.joined()),
                "input": .string(input),
            ]
        })
        let script = """
            import base64, hashlib, hmac, json, sys
            hashes = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}
            out = []
            for c in json.load(sys.stdin):
                mac = hmac.new(bytes.fromhex(c["key"]), c["input"].encode("ascii"), hashes[c["alg"]]).digest()
                out.append(base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii"))
            print(json.dumps(out))
            """
        let result = try run(python, ["-c", script], stdin: request.jsonText)
        XCTAssertEqual(result.status, 0, result.stderr)
        let expected = try JSONValue.parse(result.stdout)
        guard case .array(let sigs) = expected else { return XCTFail("python printed \(result.stdout)") }
        XCTAssertEqual(sigs.count, cases.count)
        for (c, sig) in zip(cases, sigs) {
            let parts = c.token.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 3 else { XCTFail("not three segments: \(c.token)"); continue }
            XCTAssertEqual(String(parts[2]), sig.stringValue, "\(c.alg.rawValue) with a \(c.secret.count)-byte secret")
            let header = try segmentJSON(c.token, 0)
            XCTAssertEqual(header, ["alg": .string(c.alg.rawValue), "typ": "JWT", "kid": .string("k\(c.secret.count)")])
        }
    }

    func testFiveByteAndEmptySecretsSignAndVerify() throws {
        // jwt-kit asserts on secrets this short in debug builds; `swift test` is a debug build.
        for secret in [Array("short".utf8), []] {
            let signer = try JWTSigner(algorithm: .hs256, key: .hmac(secret))
            let token = try signer.sign(claims: realClaims)
            XCTAssertTrue(hmacVerifies(token, secret: secret, alg: .hs256), "\(secret.count)-byte secret")
            // Not `+ [0]`: HMAC zero-pads short keys, so "short" and "short\0" are the same key.
            XCTAssertFalse(hmacVerifies(token, secret: secret + [1], alg: .hs256))
        }
    }

    // MARK: - RS256 and ES256 against openssl

    func testRS256VerifiesWithOpenSSLAndMatchesItsSignature() throws {
        let openssl = try requireTool("openssl")
        for pem in [JWTTestKeys.rsaPKCS8, JWTTestKeys.rsaPKCS1] {
            let token = try JWTSigner(algorithm: .rs256, key: .rsaPrivatePEM(pem)).sign(claims: realClaims)
            XCTAssertEqual(try segmentJSON(token, 0), ["alg": "RS256", "typ": "JWT"])
            let (input, sig) = try split(token)
            XCTAssertEqual(sig.count, 256)
            XCTAssertTrue(try opensslVerifies(openssl, publicPEM: JWTTestKeys.rsaPublic, input: input, signature: sig))
            // PKCS#1 v1.5 is deterministic, so openssl signing the same input must give the same bytes.
            XCTAssertEqual(sig, try opensslSign(openssl, privatePEM: pem, input: input))
            var flipped = sig
            flipped[100] ^= 1
            XCTAssertFalse(try opensslVerifies(openssl, publicPEM: JWTTestKeys.rsaPublic, input: input, signature: flipped))
        }
    }

    func testRSA1024KeyIsAcceptedAndVerifies() throws {
        let openssl = try requireTool("openssl")
        let token = try JWTSigner(algorithm: .rs256, key: .rsaPrivatePEM(JWTTestKeys.rsa1024)).sign(claims: realClaims)
        let (input, sig) = try split(token)
        XCTAssertEqual(sig.count, 128)
        XCTAssertTrue(try opensslVerifies(openssl, publicPEM: JWTTestKeys.rsa1024Public, input: input, signature: sig))
    }

    func testES256IsRawRSAndVerifiesWithOpenSSL() throws {
        let openssl = try requireTool("openssl")
        for pem in [JWTTestKeys.ecSEC1, JWTTestKeys.ecPKCS8] {
            let token = try JWTSigner(algorithm: .es256, key: .ecPrivatePEM(pem)).sign(claims: realClaims)
            XCTAssertEqual(try segmentJSON(token, 0), ["alg": "ES256", "typ": "JWT"])
            let (input, sig) = try split(token)
            XCTAssertEqual(sig.count, 64, "JWS wants r||s, not DER")
            XCTAssertTrue(try opensslVerifies(openssl, publicPEM: JWTTestKeys.ecPublic, input: input, signature: derFromRawECDSA(sig)))
            var flipped = sig
            flipped[40] ^= 1
            XCTAssertFalse(try opensslVerifies(openssl, publicPEM: JWTTestKeys.ecPublic, input: input, signature: derFromRawECDSA(flipped)))
        }
    }

    // MARK: - Keys and headers

    func testKeyMustSuitAlgorithm() {
        let bad: [(JWTAlgorithm, JWTKey, String)] = [
            (.rs256, .hmac([1, 2, 3]), "RS256 needs an RSA private key"),
            (.es256, .rsaPrivatePEM(JWTTestKeys.rsaPKCS8), "ES256 needs a P-256 EC private key"),
            (.hs256, .ecPrivatePEM(JWTTestKeys.ecSEC1), "HS256 needs an HMAC secret"),
            (.rs256, .rsaPrivatePEM(JWTTestKeys.ecPKCS8), "not a valid PEM for RS256"),
            (.rs256, .rsaPrivatePEM(JWTTestKeys.rsa512), "not a valid PEM for RS256"),
            (.rs256, .rsaPrivatePEM("not a key"), "not a valid PEM for RS256"),
            (.es256, .ecPrivatePEM(JWTTestKeys.rsaPKCS8), "not a valid PEM for ES256"),
            (.es256, .ecPrivatePEM(JWTTestKeys.ecP384), "not a valid PEM for ES256"),
            (.es256, .ecPrivatePEM(JWTTestKeys.rsaPKCS1), "not a valid PEM for ES256"),
        ]
        for (alg, key, message) in bad {
            do {
                _ = try JWTSigner(algorithm: alg, key: key)
                XCTFail("\(alg.rawValue) accepted \(message)")
            } catch {
                XCTAssertTrue(error.description.contains(message), error.description)
                for pem in [JWTTestKeys.rsaPKCS8, JWTTestKeys.rsa512, JWTTestKeys.ecSEC1, JWTTestKeys.ecP384] {
                    let body = pem.split(separator: "\n").dropFirst().dropLast()
                    XCTAssertFalse(body.contains { error.description.contains($0) }, "key material in: \(error.description)")
                }
            }
        }
    }

    func testPEMPastedOnOneLineOrIndentedStillWorks() throws {
        let openssl = try requireTool("openssl")
        let oneLine = JWTTestKeys.ecSEC1.replacingOccurrences(of: "\n", with: "\\n")
        let indented = "\n   " + JWTTestKeys.rsaPKCS1.replacingOccurrences(of: "\n", with: "\n    ") + "\n\n"
        let es = try JWTSigner(algorithm: .es256, key: .ecPrivatePEM(oneLine)).sign(claims: realClaims)
        let rs = try JWTSigner(algorithm: .rs256, key: .rsaPrivatePEM(indented)).sign(claims: realClaims)
        let (esInput, esSig) = try split(es)
        let (rsInput, rsSig) = try split(rs)
        XCTAssertTrue(try opensslVerifies(openssl, publicPEM: JWTTestKeys.ecPublic, input: esInput, signature: derFromRawECDSA(esSig)))
        XCTAssertTrue(try opensslVerifies(openssl, publicPEM: JWTTestKeys.rsaPublic, input: rsInput, signature: rsSig))
    }

    func testHeaderExtrasAndAlgGuard() throws {
        let signer = try JWTSigner(algorithm: .hs384, key: .hmac(Array("secret".utf8)))
        XCTAssertEqual(try segmentJSON(try signer.sign(claims: [:]), 0), ["alg": "HS384", "typ": "JWT"])
        XCTAssertEqual(
            try segmentJSON(try signer.sign(claims: [:], header: ["kid": "2024-01", "typ": "at+jwt"]), 0),
            ["alg": "HS384", "typ": "at+jwt", "kid": "2024-01"])
        XCTAssertNoThrow(try signer.sign(claims: [:], header: ["alg": "HS384"]))
        XCTAssertThrowsError(try signer.sign(claims: [:], header: ["alg": "none"])) { error in
            XCTAssertTrue("\(error)".contains("\"alg\" is set by the signer"), "\(error)")
        }
    }

    func testTimeClaimsAreIntegerSeconds() {
        let claims = JWTSigner.timeClaims(now: now, ttl: 900.9, jti: "abc")
        XCTAssertEqual(JSONValue.object(claims).jsonText, #"{"exp":1700000901,"iat":1700000000,"jti":"abc"}"#)
        let silly = JWTSigner.timeClaims(now: now, ttl: .infinity, jti: "x")
        XCTAssertEqual(silly["exp"], .number(9_007_199_254_740_991))
    }

    func testBase64URLAgainstFoundation() {
        for length in 0..<70 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 53 &+ 250) }
            let foundation = Data(bytes).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
            XCTAssertEqual(Base64URL.encode(bytes), foundation)
            XCTAssertEqual(Base64URL.decode(foundation), bytes)
        }
        XCTAssertEqual(Base64URL.decode("-_8"), [0xFB, 0xFF])
        XCTAssertEqual(Base64URL.decode("YQ=="), Array("a".utf8))
        XCTAssertEqual(Base64URL.decode(""), [])
        for bad in ["+/8", "a", "abcde", "ab=c", "YQ===", "Y Q", "é"] {
            XCTAssertNil(Base64URL.decode(bad), bad)
        }
    }

    // MARK: - Negative modes

    func testModeNames() {
        XCTAssertEqual(JWTNegativeMode.allCases.map(\.rawValue), ["expired", "wrong-secret", "tampered", "none-alg"])
    }

    func testExpiredIsRealSignatureWithPastTimes() throws {
        let secret = Array("s3cret".utf8)
        let signer = try JWTSigner(algorithm: .hs256, key: .hmac(secret))
        var claims = realClaims
        claims["nbf"] = claims["iat"]
        let token = try signer.negativeToken(.expired, claims: claims, now: now)
        let payload = try segmentJSON(token, 1)
        let t = 1_700_000_000.0
        XCTAssertEqual(payload["iat"], .number(t - 7200))
        XCTAssertEqual(payload["exp"], .number(t - 3600))
        XCTAssertEqual(payload["nbf"], .number(t - 7200))
        XCTAssertLessThan(try XCTUnwrap(payload["exp"]?.doubleValue), now.timeIntervalSince1970)
        XCTAssertEqual(payload["sub"], "user-123")
        XCTAssertEqual(payload["permissions"], ["read", "write"])
        XCTAssertTrue(try JSONValue.parse(Data(try segment(token, 1))).jsonText.contains("\"exp\":1699996400"))
        XCTAssertEqual(try segmentJSON(token, 0), ["alg": "HS256", "typ": "JWT"])
        XCTAssertTrue(hmacVerifies(token, secret: secret, alg: .hs256))
    }

    func testExpiredES256VerifiesUnderRealKey() throws {
        let openssl = try requireTool("openssl")
        let signer = try JWTSigner(algorithm: .es256, key: .ecPrivatePEM(JWTTestKeys.ecPKCS8))
        let token = try signer.negativeToken(.expired, claims: realClaims, now: now)
        XCTAssertLessThan(try XCTUnwrap(try segmentJSON(token, 1)["exp"]?.doubleValue), now.timeIntervalSince1970)
        let (input, sig) = try split(token)
        XCTAssertTrue(try opensslVerifies(openssl, publicPEM: JWTTestKeys.ecPublic, input: input, signature: derFromRawECDSA(sig)))
    }

    func testWrongSecretHMACDoesNotVerifyUnderRealSecret() throws {
        for (alg, size) in [(JWTAlgorithm.hs256, 32), (.hs384, 48), (.hs512, 64)] {
            let secret = Array("real-secret".utf8)
            let signer = try JWTSigner(algorithm: alg, key: .hmac(secret))
            let real = try signer.sign(claims: realClaims, header: ["kid": "k1"])
            let wrong = try signer.negativeToken(.wrongSecret, claims: realClaims, now: now, header: ["kid": "k1"])
            let realParts = real.split(separator: ".", omittingEmptySubsequences: false)
            let wrongParts = wrong.split(separator: ".", omittingEmptySubsequences: false)
            XCTAssertEqual(realParts[0], wrongParts[0], "same header")
            XCTAssertEqual(realParts[1], wrongParts[1], "same claims")
            XCTAssertNotEqual(realParts[2], wrongParts[2])
            XCTAssertEqual(try segment(wrong, 2).count, size)
            XCTAssertTrue(hmacVerifies(real, secret: secret, alg: alg))
            XCTAssertFalse(hmacVerifies(wrong, secret: secret, alg: alg))
            // Fresh every time, not a fixed "wrong" key a backend could happen to hold.
            XCTAssertNotEqual(wrong, try signer.negativeToken(.wrongSecret, claims: realClaims, now: now, header: ["kid": "k1"]))
        }
    }

    func testWrongSecretRS256AndES256DoNotVerifyUnderRealKey() throws {
        let openssl = try requireTool("openssl")
        let rs = try JWTSigner(algorithm: .rs256, key: .rsaPrivatePEM(JWTTestKeys.rsaPKCS8))
        let rsWrong = try rs.negativeToken(.wrongSecret, claims: realClaims, now: now)
        XCTAssertEqual(try segmentJSON(rsWrong, 0), ["alg": "RS256", "typ": "JWT"])
        XCTAssertEqual(try segmentJSON(rsWrong, 1), realClaims)
        let (rsInput, rsSig) = try split(rsWrong)
        XCTAssertEqual(rsSig.count, 256, "same modulus size as the real key")
        XCTAssertFalse(try opensslVerifies(openssl, publicPEM: JWTTestKeys.rsaPublic, input: rsInput, signature: rsSig))

        let es = try JWTSigner(algorithm: .es256, key: .ecPrivatePEM(JWTTestKeys.ecSEC1))
        let esWrong = try es.negativeToken(.wrongSecret, claims: realClaims, now: now)
        XCTAssertEqual(try segmentJSON(esWrong, 0), ["alg": "ES256", "typ": "JWT"])
        let (esInput, esSig) = try split(esWrong)
        XCTAssertEqual(esSig.count, 64)
        XCTAssertFalse(try opensslVerifies(openssl, publicPEM: JWTTestKeys.ecPublic, input: esInput, signature: derFromRawECDSA(esSig)))
    }

    func testTamperedKeepsSignatureOverDifferentPayload() throws {
        let secret = Array("real-secret".utf8)
        let signer = try JWTSigner(algorithm: .hs256, key: .hmac(secret))
        let real = try signer.sign(claims: realClaims)
        let tampered = try signer.negativeToken(.tampered, claims: realClaims, now: now)
        let realParts = real.split(separator: ".", omittingEmptySubsequences: false)
        let parts = tampered.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, realParts.count == 3 else { return XCTFail("not three segments: \(tampered)") }
        XCTAssertEqual(parts[0], realParts[0])
        XCTAssertNotEqual(parts[1], realParts[1])
        XCTAssertEqual(parts[2], realParts[2], "the original signature is kept")
        let payload = try segmentJSON(tampered, 1)
        XCTAssertEqual(payload["permissions"], ["read", "write", "admin"])
        XCTAssertEqual(payload["sub"], "user-123")
        XCTAssertEqual(payload["exp"], realClaims["exp"])
        XCTAssertTrue(hmacVerifies(real, secret: secret, alg: .hs256))
        XCTAssertFalse(hmacVerifies(tampered, secret: secret, alg: .hs256))
    }

    func testTamperedFallsBackToSubjectThenAdminClaim() throws {
        let signer = try JWTSigner(algorithm: .hs512, key: .hmac([7]))
        let cases: [([String: JSONValue], String, JSONValue)] = [
            (["sub": "alice", "permissions": ["admin"]], "sub", "admin"),
            (["sub": "admin"], "sub", "root"),
            (["scope": "read write"], "scope", "read write admin"),
            (["iss": "x"], "admin", true),
            (["admin": true], "sub", "admin"),
        ]
        for (claims, key, value) in cases {
            let tampered = try signer.negativeToken(.tampered, claims: claims, now: now)
            let payload = try segmentJSON(tampered, 1)
            XCTAssertEqual(payload[key], value, "\(claims)")
            XCTAssertNotEqual(payload, claims)
            XCTAssertFalse(hmacVerifies(tampered, secret: [7], alg: .hs512))
        }
    }

    func testTamperedRS256FailsOpenSSLVerification() throws {
        let openssl = try requireTool("openssl")
        let signer = try JWTSigner(algorithm: .rs256, key: .rsaPrivatePEM(JWTTestKeys.rsaPKCS1))
        let tampered = try signer.negativeToken(.tampered, claims: realClaims, now: now)
        let real = try signer.sign(claims: realClaims)
        XCTAssertEqual(tampered.split(separator: ".").last, real.split(separator: ".").last)
        let (input, sig) = try split(tampered)
        XCTAssertFalse(try opensslVerifies(openssl, publicPEM: JWTTestKeys.rsaPublic, input: input, signature: sig))
    }

    func testNoneAlgHasEmptySignature() throws {
        for alg in JWTAlgorithm.allCases {
            let key: JWTKey
            switch alg {
            case .hs256, .hs384, .hs512: key = .hmac([1, 2, 3])
            case .rs256: key = .rsaPrivatePEM(JWTTestKeys.rsaPKCS8)
            case .es256: key = .ecPrivatePEM(JWTTestKeys.ecSEC1)
            }
            let signer = try JWTSigner(algorithm: alg, key: key)
            let token = try signer.negativeToken(.noneAlg, claims: realClaims, now: now)
            XCTAssertTrue(token.hasSuffix("."))
            let parts = token.split(separator: ".", omittingEmptySubsequences: false)
            XCTAssertEqual(parts.count, 3)
            XCTAssertEqual(parts.last, "")
            XCTAssertEqual(String(decoding: try segment(token, 0), as: UTF8.self), #"{"alg":"none","typ":"JWT"}"#)
            XCTAssertEqual(try segmentJSON(token, 1), realClaims)
        }
        let withKid = try JWTSigner(algorithm: .hs256, key: .hmac([1]))
            .negativeToken(.noneAlg, claims: realClaims, now: now, header: ["kid": "k1", "alg": "HS256"])
        XCTAssertEqual(try segmentJSON(withKid, 0), ["alg": "none", "typ": "JWT", "kid": "k1"])
    }
}
