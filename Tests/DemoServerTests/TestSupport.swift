import AsyncHTTPClient
import Crypto
import DemoServer
import Foundation
import NIOCore
import NIOHTTP1
import XCTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let testSecret = "test-secret-for-demo-server"

/// Mints tokens for the tests with its own HMAC code, so the server's
/// verifier is checked against something it does not share code with.
enum TestToken {
    static func make(
        secret: String = testSecret,
        alg: String = "HS256",
        claims: [String: Any] = [:],
        expiresIn: Int? = 300
    ) -> String {
        var claims = claims
        if claims["sub"] == nil { claims["sub"] = "tester" }
        if let expiresIn, claims["exp"] == nil { claims["exp"] = Int(Date().timeIntervalSince1970) + expiresIn }
        let header = base64URL(try! JSONSerialization.data(withJSONObject: ["alg": alg, "typ": "JWT"], options: [.sortedKeys]))
        let payload = base64URL(try! JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys]))
        let input = Data("\(header).\(payload)".utf8)
        let key = SymmetricKey(data: Data(secret.utf8))
        let signature: Data
        switch alg {
        case "HS256": signature = Data(HMAC<SHA256>.authenticationCode(for: input, using: key))
        case "HS384": signature = Data(HMAC<SHA384>.authenticationCode(for: input, using: key))
        case "HS512": signature = Data(HMAC<SHA512>.authenticationCode(for: input, using: key))
        default: signature = Data()
        }
        return "\(header).\(payload).\(base64URL(signature))"
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// A decoded HTTP response.
struct Reply {
    var status: Int
    var headers: HTTPHeaders
    var body: Data

    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
    }

    var text: String { String(decoding: body, as: UTF8.self) }
}

/// Sends one request over a real socket with AsyncHTTPClient.
func send(
    _ method: HTTPMethod,
    _ url: String,
    token: String? = nil,
    headers: [(String, String)] = [],
    json: Any? = nil,
    rawBody: String? = nil
) async throws -> Reply {
    var request = HTTPClientRequest(url: url)
    request.method = method
    if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    if let json {
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json)))
    } else if let rawBody {
        request.body = .bytes(ByteBuffer(string: rawBody))
    }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
    let body = try await response.body.collect(upTo: 64 << 20)
    return Reply(status: Int(response.status.code), headers: response.headers, body: Data(body.readableBytesView))
}

/// What a hand-written exchange over a plain TCP socket produced.
struct RawExchange {
    var received: Data
    /// errno of a failed read, e.g. ECONNRESET; nil when the peer closed cleanly or we stopped reading.
    var readError: Int32?

    var text: String { String(decoding: received, as: UTF8.self) }
}

/// Writes `request` verbatim and reads until EOF (or, with `untilHeadersEnd`,
/// until the response head is complete), for what HTTP clients hide: refused
/// upgrades, handshake headers and dropped connections.
func blockingRawExchange(port: Int, _ request: String, untilHeadersEnd: Bool) throws -> RawExchange {
    let fd = try openSocket(port: port)
    defer { close(fd) }
    let bytes = Array(request.utf8)
    guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
        throw POSIXError(.EIO)
    }
    var received = Data()
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count < 0 { return RawExchange(received: received, readError: errno) }
        if count == 0 { return RawExchange(received: received, readError: nil) }
        received.append(contentsOf: buffer[0..<count])
        if untilHeadersEnd, received.range(of: Data("\r\n\r\n".utf8)) != nil {
            return RawExchange(received: received, readError: nil)
        }
    }
}

/// A TCP socket connected to 127.0.0.1:`port`, reads timing out after 10 s.
func openSocket(port: Int) throws -> Int32 {
    #if canImport(Glibc)
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
    let fd = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard fd >= 0 else { throw POSIXError(.EIO) }
    var timeout = timeval(tv_sec: 10, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard connected == 0 else {
        let code = errno
        close(fd)
        throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
    }
    return fd
}

/// Whether anything accepts TCP connections on 127.0.0.1:`port`.
func isListening(port: Int) -> Bool {
    guard let fd = try? openSocket(port: port) else { return false }
    close(fd)
    return true
}

/// A WebSocket upgrade request as browsers send it.
func upgradeRequest(path: String = "/ws", extraHeaders: [String] = []) -> String {
    (["GET \(path) HTTP/1.1", "Host: 127.0.0.1", "Upgrade: websocket", "Connection: Upgrade",
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"] + extraHeaders)
        .joined(separator: "\r\n") + "\r\n\r\n"
}

/// Base class: one fresh server per test, stopped afterwards.
class DemoServerTestCase: XCTestCase {
    var server: DemoServer!

    func configuration() -> DemoServerConfiguration {
        var configuration = DemoServerConfiguration(jwtSecret: testSecret)
        configuration.agentStepDelay = .milliseconds(5)
        return configuration
    }

    override func setUp() async throws {
        server = try await DemoServer.start(configuration())
    }

    override func tearDown() async throws {
        await server?.stop()
        server = nil
    }

    func url(_ path: String) -> String { server.baseURL + path }
}

/// `blockingRawExchange` on a dispatch thread: its blocking reads must not take one of
/// the few cooperative threads the server itself needs.
func rawExchange(port: Int, _ request: String, untilHeadersEnd: Bool = false) async throws -> RawExchange {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try blockingRawExchange(port: port, request, untilHeadersEnd: untilHeadersEnd) })
        }
    }
}

/// Runs `body` against a fresh server and stops it however `body` ends.
func withDemoServer<T>(
    _ configuration: DemoServerConfiguration,
    _ body: (DemoServer) async throws -> T
) async throws -> T {
    let server = try await DemoServer.start(configuration)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}
