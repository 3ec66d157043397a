import Foundation
import XCTest

@testable import RehearseModel
@testable import RehearseCompiler
@testable import RehearseResults
@testable import RehearseRuntime
@testable import RehearseTransportNIO
@testable import DemoServer

/// A suite and one plan (as `file`, which names the plan) written to a fresh folder, linted strictly (no warnings), then run with
/// the real HTTP and WebSocket transports against a demo server started for it.
enum DemoSuiteRun {
    static func run(suite: String, plan: String, file: String, secret: String) async throws -> RunReport {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rehearse-demo-suite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try suite.write(to: dir.appendingPathComponent("rehearse.yaml"), atomically: true, encoding: .utf8)
        try plan.write(to: dir.appendingPathComponent(file), atomically: true, encoding: .utf8)

        let server = try await DemoServer.start(DemoServerConfiguration(jwtSecret: secret))
        let cliVars = ["base_url": server.baseURL, "ws_url": server.webSocketURL]
        let lint = Lint.run(paths: [dir.path], options: CompileOptions(cliVars: cliVars), strict: true)
        XCTAssertEqual(lint.diagnostics.map(\.message), [])
        guard let graph = lint.graph else {
            await server.stop()
            throw XCTSkip("the plan did not compile")
        }
        var options = RunOptions()
        options.seed = 7
        options.environment = [:]
        options.cliVars = cliVars
        let http = AsyncHTTPTransport()
        let webSocket = WebSocketKitTransport()
        let report: RunReport
        do {
            let context = try RunContext(graph: graph, options: options, transport: http, webSocket: webSocket)
            report = await Runner.run(context)
        } catch {
            await http.shutdown()
            await server.stop()
            throw error
        }
        await webSocket.shutdown()
        await http.shutdown()
        await server.stop()
        return report
    }
}
