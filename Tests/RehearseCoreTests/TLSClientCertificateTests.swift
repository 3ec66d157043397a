import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization
import XCTest

@testable import Rehearse
@testable import RehearseModel
@testable import RehearseDiagnostics
@testable import RehearseResults
@testable import RehearseReport

/// `environments.NAME.tls` (spec §10) against a real HTTPS server in process that requires a
/// client certificate signed by a private CA. The PEMs are in Tests/TLSFixtures (make.sh).
final class TLSClientCertificateTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("TLSFixtures").path

    static func pem(_ name: String) throws -> String { try String(contentsOfFile: fixtures + "/" + name, encoding: .utf8) }

    /// An HTTPS server answering 200 to everything, for clients whose certificate the CA signed.
    final class MutualTLSServer: @unchecked Sendable {
        let channel: Channel
        var port: Int { channel.localAddress?.port ?? 0 }

        init() async throws {
            var config = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(fixtures + "/server.pem").map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: fixtures + "/server.key", format: .pem)))
            config.certificateVerification = .noHostnameVerification
            config.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(fixtures + "/ca.pem"))
            let context = try NIOSSLContext(configuration: config)
            let box = Counter()
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { ch in
                    box.add()
                    return ch.eventLoop.makeCompletedFuture {
                        try ch.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                        try ch.pipeline.syncOperations.configureHTTPServerPipeline()
                        try ch.pipeline.syncOperations.addHandler(Responder())
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()
            self.counter = box
        }

        let counter: Counter
        var accepted: Int { counter.value }
        func stop() async { try? await channel.close() }
    }

    final class Counter: Sendable {
        private let n = Mutex(0)
        func add() { n.withLock { $0 += 1 } }
        var value: Int { n.withLock { $0 } }
    }

    final class Responder: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .end = unwrapInboundIn(data) else { return }
            let body = ByteBuffer(string: #"{"client": "verified"}"#)
            var headers = HTTPHeaders([("Content-Type", "application/json"), ("Content-Length", "\(body.readableBytes)")])
            headers.add(name: "Connection", value: "close")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        }
    }

    /// A suite folder with the fixtures copied under certs/ and `tls:` as given.
    func suite(tls: String, port: Int) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rehearse-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("certs"), withIntermediateDirectories: true)
        for f in ["ca.pem", "client.pem", "client.key", "other.key"] {
            try FileManager.default.copyItem(atPath: Self.fixtures + "/" + f, toPath: dir.appendingPathComponent("certs/" + f).path)
        }
        try """
        version: 1
        default_env: secure
        environments:
          secure:
            vars: {base_url: "https://127.0.0.1:\(port)"}
            tls:
        \(tls.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n"))
        """.write(to: dir.appendingPathComponent("rehearse.yaml"), atomically: true, encoding: .utf8)
        try """
        cases:
          - {id: hello, request: "GET {{ base_url }}/hello", expect: {status: 200, json: {$.client: verified}}}
        """.write(to: dir.appendingPathComponent("hello.yaml"), atomically: true, encoding: .utf8)
        return dir.path
    }

    func run(_ dir: String, environment: [String: String] = [:], insecure: Bool = false) async -> (Pipeline.RunOutcome, String) {
        let output = AuthProbeTests.Output()
        var request = Pipeline.RunRequest(plan: Pipeline.PlanRequest(paths: [dir]), environment: environment)
        request.insecure = insecure
        let outcome = await Pipeline.run(request, console: output.console)
        return (outcome, output.value)
    }

    func testClientCertificateFromFilesIsPresented() async throws {
        let server = try await MutualTLSServer()
        let dir = try suite(tls: "client_cert: certs/client.pem\nclient_key: certs/client.key\nca: certs/ca.pem", port: server.port)
        let (outcome, out) = await run(dir)
        await server.stop()
        XCTAssertEqual(outcome.status, .ok, out)
        XCTAssertEqual(outcome.report?.results.first?.outcome, .passed, out)
    }

    /// WebSocket handshakes present the same certificate: this server answers the upgrade with a
    /// plain 200 (a refused upgrade whose status is observable), which it can only do after a TLS
    /// handshake that accepted the client's certificate.
    func testWebSocketHandshakesPresentTheSameCertificate() async throws {
        let server = try await MutualTLSServer()
        let dir = try suite(tls: "client_cert: certs/client.pem\nclient_key: certs/client.key\nca: certs/ca.pem", port: server.port)
        try """
        cases:
          - {id: ws, websocket: {url: "wss://127.0.0.1:\(server.port)/ws"}, expect: {status: 200}}
        """.write(toFile: dir + "/hello.yaml", atomically: true, encoding: .utf8)
        let (outcome, out) = await run(dir)
        let without = try suite(tls: "ca: certs/ca.pem", port: server.port)
        try String(contentsOfFile: dir + "/hello.yaml", encoding: .utf8).write(toFile: without + "/hello.yaml", atomically: true, encoding: .utf8)
        let (refused, out2) = await run(without)
        await server.stop()
        XCTAssertEqual(outcome.report?.results.first?.outcome, .passed, out)
        XCTAssertEqual(refused.report?.results.first?.outcome, .errored, out2)
    }

    /// Load cases (closed and open model, through the lean load client) present the same
    /// certificate and trust the same CA as every other request of the environment.
    func testLoadCasesPresentTheSameCertificate() async throws {
        let server = try await MutualTLSServer()
        let dir = try suite(tls: "client_cert: certs/client.pem\nclient_key: certs/client.key\nca: certs/ca.pem", port: server.port)
        try """
        cases:
          - {id: closed, request: "GET {{ base_url }}/hello", load: {requests: 6, concurrency: 2}, expect: {status: 200}}
          - {id: open, request: "GET {{ base_url }}/hello", load: {rate: 20/s, requests: 6}, expect: {status: 200}}
        """.write(toFile: dir + "/hello.yaml", atomically: true, encoding: .utf8)
        let (outcome, out) = await run(dir)
        await server.stop()
        XCTAssertEqual(outcome.report?.results.map(\.outcome), [.passed, .passed], out)
    }

    func testPEMTextFromTheEnvironment() async throws {
        let server = try await MutualTLSServer()
        let dir = try suite(tls: "client_cert: {env: CLIENT_CERT_PEM}\nclient_key: {env: CLIENT_KEY_PEM}\nca: {env: CA_PEM}", port: server.port)
        let env = ["CLIENT_CERT_PEM": try Self.pem("client.pem"), "CLIENT_KEY_PEM": try Self.pem("client.key"), "CA_PEM": try Self.pem("ca.pem")]
        let (outcome, out) = await run(dir, environment: env)
        await server.stop()
        XCTAssertEqual(outcome.status, .ok, out)
        XCTAssertFalse(out.contains("PRIVATE KEY"), "the key's PEM is never printed")
    }

    /// Without a client certificate the server refuses the handshake; the private CA alone
    /// already makes its certificate trusted.
    func testWithoutAClientCertificateTheServerRefuses() async throws {
        let server = try await MutualTLSServer()
        let dir = try suite(tls: "ca: certs/ca.pem", port: server.port)
        let (outcome, out) = await run(dir)
        await server.stop()
        XCTAssertEqual(outcome.status, .failed, out)
        XCTAssertEqual(outcome.report?.results.first?.outcome, .errored, out)
    }

    /// Without the private CA the server's certificate is not trusted: the CA is what makes it work.
    func testWithoutTheCATheServerIsNotTrusted() async throws {
        let server = try await MutualTLSServer()
        let dir = try suite(tls: "client_cert: certs/client.pem\nclient_key: certs/client.key", port: server.port)
        let (outcome, out) = await run(dir)
        await server.stop()
        XCTAssertEqual(outcome.report?.results.first?.outcome, .errored, out)
        XCTAssertTrue(out.contains("TLS"), out)
    }

    func testMismatchedKeyPairStopsTheRunBeforeAnythingIsSent() async throws {
        let server = try await MutualTLSServer()
        let dir = try suite(tls: "client_cert: certs/client.pem\nclient_key: certs/other.key\nca: certs/ca.pem", port: server.port)
        let (outcome, out) = await run(dir)
        // Let a connection that should not exist arrive before counting.
        try await Task.sleep(for: .milliseconds(100))
        let accepted = server.accepted
        await server.stop()
        XCTAssertEqual(outcome.status, .environment, out)
        XCTAssertNil(outcome.report)
        XCTAssertTrue(out.contains("error[tls]: environments.secure.tls.client_key does not belong to environments.secure.tls.client_cert"), out)
        XCTAssertTrue(out.contains("help:"), out)
        XCTAssertEqual(accepted, 0, "nothing was sent")
    }

    func testUnreadableFileAndUnsetVariableAreClearErrors() async throws {
        let server = try await MutualTLSServer()
        let missing = try suite(tls: "client_cert: certs/nope.pem\nclient_key: certs/client.key", port: server.port)
        let (first, out1) = await run(missing)
        let unset = try suite(tls: "ca: {env: PRIVATE_CA_PEM}", port: server.port)
        let (second, out2) = await run(unset)
        let notPEM = try suite(tls: "ca: hello.yaml", port: server.port)
        let (third, out3) = await run(notPEM)
        await server.stop()
        XCTAssertEqual(first.status, .environment)
        XCTAssertTrue(out1.contains("environments.secure.tls.client_cert: cannot read") && out1.contains("certs/nope.pem"), out1)
        XCTAssertEqual(second.status, .environment)
        XCTAssertTrue(out2.contains("environments.secure.tls.ca: PRIVATE_CA_PEM is not set"), out2)
        XCTAssertEqual(third.status, .environment)
        XCTAssertTrue(out3.contains("holds no PEM certificate"), out3)
        XCTAssertEqual(server.accepted, 0)
    }

    /// A PEM path that names a folder, or a file past 1 MiB, is refused before it is read whole.
    func testAFolderOrAHugeFileIsRefusedAsAPEM() async throws {
        let server = try await MutualTLSServer()
        let folder = try suite(tls: "ca: certs", port: server.port)
        let (first, out1) = await run(folder)
        let huge = try suite(tls: "ca: certs/huge.pem", port: server.port)
        try Data(repeating: 0x41, count: (1 << 20) + 1).write(to: URL(fileURLWithPath: huge + "/certs/huge.pem"))
        let (second, out2) = await run(huge)
        await server.stop()
        XCTAssertEqual(first.status, .environment)
        XCTAssertTrue(out1.contains("environments.secure.tls.ca: cannot read"), out1)
        XCTAssertEqual(second.status, .environment)
        XCTAssertTrue(out2.contains("environments.secure.tls.ca: ") && out2.contains("huge.pem is larger than 1 MiB"), out2)
        XCTAssertEqual(server.accepted, 0)
    }

    /// `--insecure` still skips verification (with its warning) when a client certificate is given.
    func testInsecureSkipsVerificationAndWarns() async throws {
        let server = try await MutualTLSServer()
        let dir = try suite(tls: "client_cert: certs/client.pem\nclient_key: certs/client.key", port: server.port)
        let (outcome, out) = await run(dir, insecure: true)
        await server.stop()
        XCTAssertEqual(outcome.status, .ok, out)
        XCTAssertTrue(out.contains("--insecure: TLS certificates are not verified"), out)
    }
}
