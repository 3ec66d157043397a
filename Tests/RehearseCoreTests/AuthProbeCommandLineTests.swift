import DemoServer
import Foundation
import XCTest

/// `rehearse auth --probe` as a user runs it: the built executable against a backend (the demo
/// server) whose secret lookup order is its own.
final class AuthProbeCommandLineTests: XCTestCase {
    func rehearse(_ arguments: [String], environment: [String: String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
        process.arguments = arguments
        process.environment = environment.merging(["NO_COLOR": "1", "PATH": "/usr/bin:/bin"]) { a, _ in a }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func testWrongOrderExits1NamingTheVariableRightOrderExits0() async throws {
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: CommandLineTests.binary), "build the executable first")
        let env = AuthProbeTests.values
        // The backend reads JWT_SECRET_KEY first; the suite lists JWT_SECRET_STAGING first.
        let server = try await AuthProbeTests.server(order: ["JWT_SECRET_KEY", "JWT_SECRET_STAGING"], environment: env)
        let wrong = try AuthProbeTests.directory(suite: AuthProbeTests.suite().replacingOccurrences(of: "http://127.0.0.1:1", with: server.baseURL))
        let right = try AuthProbeTests.directory(suite: AuthProbeTests.suite(order: ["JWT_SECRET_KEY", "JWT_SECRET_STAGING"])
            .replacingOccurrences(of: "http://127.0.0.1:1", with: server.baseURL))
        let first = try rehearse(["auth", "--probe", wrong], environment: env)
        let second = try rehearse(["auth", "--probe", "--profile", "staging-jwt", "--env", "test", right], environment: env)
        let fullRun = try rehearse(["run", wrong], environment: env)
        await server.stop()
        // Every profile with a probe is probed: staging-jwt is refused; `service` cannot be made
        // (OAUTH_CLIENT_SECRET unset): exit 3 wins.
        XCTAssertEqual(first.status, 3, first.output)
        XCTAssertTrue(first.output.contains("the server accepts JWT_SECRET_KEY; this profile signs with JWT_SECRET_STAGING, the first one set: put JWT_SECRET_KEY first, or give both the same value"), first.output)
        XCTAssertTrue(first.output.contains("OAUTH_CLIENT_SECRET is not set"), first.output)
        XCTAssertEqual(second.status, 0, second.output)
        XCTAssertEqual(fullRun.status, 1, fullRun.output)
        XCTAssertTrue(fullRun.output.contains("Auth diagnosis"), fullRun.output)
        XCTAssertTrue(fullRun.output.contains("put JWT_SECRET_KEY first"), fullRun.output)
        for text in [first.output, second.output, fullRun.output] {
            for secret in env.values { XCTAssertFalse(text.contains(secret), "leaked \(secret.prefix(8))…") }
        }
    }

    func testProbeOfOneRefusedProfileExits1() async throws {
        let env = AuthProbeTests.values
        let server = try await AuthProbeTests.server(order: ["E2E_BYPASS_KEY"], environment: env)
        let dir = try AuthProbeTests.directory(suite: AuthProbeTests.suite().replacingOccurrences(of: "http://127.0.0.1:1", with: server.baseURL))
        let result = try rehearse(["auth", "--probe", "--profile", "staging-jwt", "--format", "json", dir], environment: env)
        await server.stop()
        XCTAssertEqual(result.status, 1, result.output)
        XCTAssertTrue(result.output.contains(#""verdict" : "other-candidate-accepted""#) || result.output.contains(#""verdict": "other-candidate-accepted""#), result.output)
    }
}
