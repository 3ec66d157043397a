import Foundation
import NIOCore
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

/// The `rehearse` executable itself, run as a user runs it: option ranges, report targets checked
/// before anything is sent, the exit code of a failed report, `--insecure`, and interrupts during
/// a match that backtracks for minutes (issue #17 items 4, 9, 13, 16).
final class CommandLineTests: XCTestCase {
    /// The built `rehearse` beside the test bundle (`swift build --build-tests` builds both).
    static var binary: String {
        let candidates = [Bundle.main.bundleURL.appendingPathComponent("rehearse").path,
                          Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("rehearse").path,
                          URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                              .deletingLastPathComponent().appendingPathComponent(".build/debug/rehearse").path]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }

    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Starts `rehearse`; `whileRunning` gets the process (to signal it) before the output is read.
    func rehearse(_ arguments: [String], whileRunning: @escaping @Sendable (Process) async throws -> Void = { _ in }) async throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        process.environment = environment
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let reading = Task.detached {
            (output.fileHandleForReading.readDataToEndOfFile(), errors.fileHandleForReading.readDataToEndOfFile())
        }
        // A run that never ends fails the test instead of hanging it.
        let pid = process.processIdentifier
        let watchdog = Task.detached {
            try await Task.sleep(for: .seconds(40))
            kill(pid, SIGKILL)
        }
        defer { watchdog.cancel() }
        try await whileRunning(process)
        let (out, err) = await reading.value
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
                       stderr: String(decoding: err, as: UTF8.self))
    }

    var dir = ""

    override func setUpWithError() throws {
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: Self.binary), "build the executable first: \(Self.binary)")
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("rehearse-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: dir)
    }

    func writePlan(_ text: String) throws -> String {
        let path = dir + "/it.yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    // MARK: issue 15

    /// `rehearse diff` as CI calls it: exit 1 on a regression, 0 without, 2 on an unreadable report.
    func testDiffExitCodesAndFormats() async throws {
        let (base, new) = BetweenRunsTests.crafted()
        try ReportWriter.write(ReportWriter.render(.json, base, masker: SecretMasker()), to: dir + "/base.json")
        try ReportWriter.write(ReportWriter.render(.json, new, masker: SecretMasker()), to: dir + "/new.json")
        let forward = try await rehearse(["diff", dir + "/base.json", dir + "/new.json", "--report", "markdown:\(dir)/diff.md"])
        XCTAssertEqual(forward.status, 1, forward.stderr)
        XCTAssertTrue(forward.stdout.contains("Regressions (1)\n  p/a  passed → failed"), forward.stdout)
        XCTAssertTrue(try String(contentsOfFile: dir + "/diff.md", encoding: .utf8).hasPrefix("## ❌ Rehearse diff: 1 regression"))
        let json = try await rehearse(["diff", dir + "/base.json", dir + "/base.json", "--format", "json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        XCTAssertEqual(try JSONValue.parse(json.stdout)["regression"], .bool(false))
        let missing = try await rehearse(["diff", dir + "/none.json", dir + "/new.json"])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("error[command-line]: diff: cannot read"), missing.stderr)
        XCTAssertTrue(missing.stderr.contains("help:"), missing.stderr)
        let junit = try await rehearse(["diff", dir + "/base.json", dir + "/new.json", "--report", "junit:\(dir)/x.xml"])
        XCTAssertEqual(junit.status, 2, junit.stderr)
    }

    // MARK: item 16

    func testOptionsOutOfRangeSayWhatIsAllowed() async throws {
        let plan = try writePlan("cases:\n  - {id: one, request: \"GET http://127.0.0.1:9/x\", expect: {status: 200}}\n")
        let cases: [([String], String)] = [
            (["--jobs", "-1"], "--jobs takes a whole number of 1 or more, found -1"),
            (["--jobs", "0"], "--jobs takes a whole number of 1 or more, found 0"),
            (["--timeout", "-5s"], "--timeout takes a duration above zero such as 500ms or 10s, found '-5s'"),
            (["--timeout", "0s"], "--timeout takes a duration above zero such as 500ms or 10s, found '0s'"),
            // Longer than 64-bit nanoseconds can count: this trapped (signal 4) instead.
            (["--timeout", "99999999h"], "--timeout takes a duration of at most 1000000h, found '99999999h'"),
            (["--seed", "-1"], "--seed takes a whole number from 0 to 18446744073709551615, found '-1'"),
        ]
        for (options, message) in cases {
            let r = try await rehearse(["run", plan] + options)
            XCTAssertEqual(r.status, 2, "\(options)")
            XCTAssertTrue(r.stderr.contains(message), "\(options): \(r.stderr)")
            XCTAssertFalse(r.stderr.contains("Missing value"), "\(options): \(r.stderr)")
        }
        let ok = try await rehearse(["run", plan, "--dry-run", "--seed", "18446744073709551615", "--jobs", "1", "--timeout", "1ms"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
    }

    // MARK: item 9

    func testBadReportTargetsStopTheRunBeforeAnythingIsSent() async throws {
        let server = try await RawHTTPServer.start { connection in
            while try await connection.readRequest() != nil { try await connection.respond(200) }
        }
        let plan = try writePlan("cases:\n  - {id: one, request: \"GET {{ base_url }}/x\", expect: {status: 200}}\n")
        let original = try String(contentsOfFile: plan, encoding: .utf8)
        for target in ["json:\(plan)", "json:/proc/rehearse.json", "html:\(dir)"] {
            let r = try await rehearse(["run", plan, "--var", "base_url=\(server.baseURL)", "--report", target])
            XCTAssertEqual(r.status, 2, "\(target): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("error[report-target]: --report \(target): "), r.stderr)
        }
        let twice = try await rehearse(["run", plan, "--var", "base_url=\(server.baseURL)",
                                        "--report", "json:\(dir)/r.json", "--report", "html:\(dir)/r.json"])
        XCTAssertEqual(twice.status, 2, twice.stderr)
        XCTAssertEqual(server.stats.requests, 0, "nothing was sent")
        XCTAssertEqual(try String(contentsOfFile: plan, encoding: .utf8), original, "the plan is intact")
        await server.stop()
    }

    /// `rehearse merge` checks its targets too: a report must not replace a shard report it reads.
    func testMergeRefusesToOverwriteAnInput() async throws {
        let shard = dir + "/shard.json"
        try FileManager.default.copyItem(atPath: ReportFixtures.directory + "/small.json", toPath: shard)
        let original = try String(contentsOfFile: shard, encoding: .utf8)
        let r = try await rehearse(["merge", shard, "--report", "json:\(shard)"])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("is an input of this run and would be overwritten"), r.stderr)
        XCTAssertEqual(try String(contentsOfFile: shard, encoding: .utf8), original)
    }

    /// The report's path becomes a directory while the run goes: the run passed, but without its
    /// report it must not exit 0.
    func testAReportThatCannotBeWrittenMakesTheExitCodeNonZero() async throws {
        let target = dir + "/out.json"
        let server = try await RawHTTPServer.start { connection in
            while try await connection.readRequest() != nil {
                try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
                try await connection.respond(200)
            }
        }
        let plan = try writePlan("cases:\n  - {id: one, request: \"GET {{ base_url }}/x\", expect: {status: 200}}\n")
        let r = try await rehearse(["run", plan, "--var", "base_url=\(server.baseURL)", "--report", "json:\(target)",
                                    "--report", "markdown:\(dir)/out.md"])
        await server.stop()
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("error[report-write]: cannot write json report \(target): "), r.stderr)
        XCTAssertFalse(r.stderr.contains("NSCocoaErrorDomain"), r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/out.md"), "the other report is still written")
        // The summary was printed before the reports, with "exit 0"; the last word is the real code.
        XCTAssertTrue(r.stdout.hasSuffix("exit 1: a report could not be written\n"), r.stdout)
    }

    // MARK: item 13

    func testInsecureIsAnnouncedAndMarked() async throws {
        let server = try await RawHTTPServer.start { connection in
            while try await connection.readRequest() != nil { try await connection.respond(200) }
        }
        let plan = try writePlan("cases:\n  - {id: one, request: \"GET {{ base_url }}/x\", expect: {status: 200}}\n")
        let r = try await rehearse(["run", plan, "--var", "base_url=\(server.baseURL)", "--insecure", "--report", "json:\(dir)/r.json"])
        await server.stop()
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("warning[command-line]: --insecure: TLS certificates are not verified"), r.stderr)
        XCTAssertTrue(r.stdout.contains("TLS certificates were not verified (--insecure)"), r.stdout)
        let json = try JSONValue.parse(Array(try String(contentsOfFile: dir + "/r.json", encoding: .utf8).utf8))
        XCTAssertEqual(json["insecure_tls"], .bool(true))
    }

    // MARK: item 4

    static let evilPlan = """
    cases:
      - {id: fast, request: "GET {{ base_url }}/fast", expect: {status: 200}}
      - {id: evil, request: "GET {{ base_url }}/evil", expect: {body: {matches: "^(a+)+$"}}}
    """

    func evilServer() async throws -> RawHTTPServer {
        try await RawHTTPServer.start { connection in
            while let request = try await connection.readRequest() {
                let body = request.target == "/evil" ? String(repeating: "a", count: 30) + "!" : "ok"
                try await connection.respond(200, headers: [("Content-Type", "text/plain")], body: Array(body.utf8))
            }
        }
    }

    /// Waits until the server has answered `n` requests (the case is then matching).
    static func waitForRequests(_ server: RawHTTPServer, _ n: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while server.stats.requests < n, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        try await Task.sleep(for: .milliseconds(300))
    }

    func testCtrlCDuringACatastrophicMatchStillEndsWithReports() async throws {
        let server = try await evilServer()
        let plan = try writePlan(Self.evilPlan)
        let started = ContinuousClock.now
        let r = try await rehearse(["run", plan, "--jobs", "1", "--var", "base_url=\(server.baseURL)", "--report", "json:\(dir)/r.json"]) { p in
            try await Self.waitForRequests(server, 2)
            kill(p.processIdentifier, SIGINT)
        }
        await server.stop()
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(20), "the match is bounded")
        XCTAssertEqual(r.status, 130, r.stderr)
        let report = try JSONReport.decode(try String(contentsOfFile: dir + "/r.json", encoding: .utf8))
        XCTAssertTrue(report.interrupted)
        XCTAssertEqual(report.outcome("fast"), .passed)
        XCTAssertNotNil(report.result("evil"))
    }

    func testASecondSignalQuitsAtOnceAndStillWritesReports() async throws {
        let server = try await evilServer()
        let plan = try writePlan(Self.evilPlan)
        let r = try await rehearse(["run", plan, "--jobs", "1", "--var", "base_url=\(server.baseURL)",
                                    "--report", "json:\(dir)/r.json", "--report", "markdown:\(dir)/r.md"]) { p in
            try await Self.waitForRequests(server, 2)
            kill(p.processIdentifier, SIGTERM)
            try await Task.sleep(for: .milliseconds(100))
            kill(p.processIdentifier, SIGINT)
        }
        await server.stop()
        XCTAssertEqual(r.status, 130, r.stderr)
        let report = try JSONReport.decode(try String(contentsOfFile: dir + "/r.json", encoding: .utf8))
        XCTAssertTrue(report.interrupted)
        XCTAssertEqual(report.outcome("fast"), .passed, "the cases that finished are in the report")
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/r.md"))
    }
}
