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

/// Token decoding and the bridges to the independent verifiers (python3, openssl) used by JWTTests.
extension JWTTests {
    func segment(_ token: String, _ index: Int) throws -> [UInt8] {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.indices.contains(index) else {
            XCTFail("not three segments: \(token)")
            throw CocoaError(.coderInvalidValue)
        }
        return try XCTUnwrap(Base64URL.decode(String(parts[index])), "segment \(index) of \(token)")
    }

    func segmentJSON(_ token: String, _ index: Int) throws -> [String: JSONValue] {
        guard case .object(let object) = try JSONValue.parse(Data(try segment(token, index))) else {
            XCTFail("segment \(index) of \(token) is not a JSON object")
            return [:]
        }
        return object
    }

    /// The signing input and the decoded signature.
    func split(_ token: String) throws -> (String, [UInt8]) {
        let signature = try segment(token, 2)
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        return ("\(parts[0]).\(parts[1])", signature)
    }

    func hmacVerifies(_ token: String, secret: [UInt8], alg: JWTAlgorithm) -> Bool {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let sig = Base64URL.decode(String(parts[2])) else { return false }
        let input = Array(("\(parts[0]).\(parts[1])").utf8)
        let key = SymmetricKey(data: secret)
        switch alg {
        case .hs256: return HMAC<SHA256>.isValidAuthenticationCode(sig, authenticating: input, using: key)
        case .hs384: return HMAC<SHA384>.isValidAuthenticationCode(sig, authenticating: input, using: key)
        case .hs512: return HMAC<SHA512>.isValidAuthenticationCode(sig, authenticating: input, using: key)
        case .rs256, .es256: return false
        }
    }

    /// openssl verifies ECDSA only as DER: SEQUENCE { INTEGER r, INTEGER s }, minimal, non-negative.
    func derFromRawECDSA(_ raw: [UInt8]) -> [UInt8] {
        func integer(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
            var b = Array(bytes.drop { $0 == 0 })
            if b.isEmpty { b = [0] }
            if b[0] & 0x80 != 0 { b.insert(0, at: 0) }
            return [0x02, UInt8(b.count)] + b
        }
        let body = integer(raw[0..<32]) + integer(raw[32..<64])
        return [0x30, UInt8(body.count)] + body
    }

    func opensslVerifies(_ openssl: String, publicPEM: String, input: String, signature: [UInt8]) throws -> Bool {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try (publicPEM + "\n").write(to: dir.appendingPathComponent("pub.pem"), atomically: true, encoding: .utf8)
        try Data(signature).write(to: dir.appendingPathComponent("sig.bin"))
        try Data(input.utf8).write(to: dir.appendingPathComponent("input.txt"))
        let result = try run(openssl, ["dgst", "-sha256", "-verify", dir.appendingPathComponent("pub.pem").path,
                                       "-signature", dir.appendingPathComponent("sig.bin").path,
                                       dir.appendingPathComponent("input.txt").path])
        if result.status == 0 { XCTAssertTrue(result.stdout.contains("Verified OK"), result.stdout) }
        return result.status == 0
    }

    func opensslSign(_ openssl: String, privatePEM: String, input: String) throws -> [UInt8] {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try (privatePEM + "\n").write(to: dir.appendingPathComponent("key.pem"), atomically: true, encoding: .utf8)
        try Data(input.utf8).write(to: dir.appendingPathComponent("input.txt"))
        let out = dir.appendingPathComponent("sig.bin")
        let result = try run(openssl, ["dgst", "-sha256", "-sign", dir.appendingPathComponent("key.pem").path,
                                       "-out", out.path, dir.appendingPathComponent("input.txt").path])
        XCTAssertEqual(result.status, 0, result.stderr)
        return Array(try Data(contentsOf: out))
    }

    func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rehearse-jwt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    func requireTool(_ name: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw XCTSkip("\(name) is not on PATH; skipping the check against it")
    }

    func run(_ executable: String, _ arguments: [String], stdin: String = "") throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }
}
