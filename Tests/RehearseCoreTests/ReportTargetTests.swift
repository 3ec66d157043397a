import Foundation
import NIOSSL
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

/// `--report` targets are checked before anything is sent, and a report that cannot be written is
/// an error (issue #17 item 9); `--insecure` is marked in every report (item 13).
final class ReportTargetTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("rehearse-targets-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: dir)
    }

    func target(_ s: String) throws -> ReportTarget { try ReportTarget.parse(s) }

    func testEveryBadTargetIsNamedBeforeTheRun() throws {
        let plan = dir + "/q.yaml"
        try "cases: []\n".write(toFile: plan, atomically: true, encoding: .utf8)
        try "x".write(toFile: dir + "/file", atomically: true, encoding: .utf8)
        let targets = try [
            target("json:\(dir)/out.json"),
            target("html:\(dir)/./out.json"),          // the same file, spelled differently
            target("json:\(plan)"),                    // the plan being run
            target("junit:\(dir)"),                    // a directory
            target("markdown:/proc/rehearse-report.md"),
            target("html:\(dir)/file/report.html"),    // below a regular file
        ]
        let problems = ReportTarget.problems(targets, inputs: [plan])
        XCTAssertEqual(problems.count, 5, problems.joined(separator: "\n"))
        XCTAssertTrue(problems[0].contains("json:\(dir)/out.json writes the same file"), problems[0])
        XCTAssertTrue(problems[1].contains("is an input of this run"), problems[1])
        XCTAssertTrue(problems[2].contains("is a directory"), problems[2])
        XCTAssertTrue(problems[3].hasPrefix("--report markdown:/proc/rehearse-report.md: cannot write in /proc"), problems[3])
        XCTAssertTrue(problems[4].contains("is a file, not a directory"), problems[4])
        XCTAssertEqual(try String(contentsOfFile: plan, encoding: .utf8), "cases: []\n", "the check writes nothing")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).sorted(), ["file", "q.yaml"], "no probe is left behind")
    }

    func testGoodTargetsPassIncludingMissingDirectories() throws {
        let targets = try [target("json:\(dir)/a/b/out.json"), target("html:\(dir)/out.html"), target("junit:relative-\(UUID().uuidString).xml")]
        XCTAssertEqual(ReportTarget.problems(targets, inputs: []), [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/a"), "checking creates no directory")
    }

    func testAFailedWriteIsReportedPerTarget() throws {
        let report = try ReportFixtures.small()
        try FileManager.default.createDirectory(atPath: dir + "/taken", withIntermediateDirectories: true)
        let failures = ReportWriter.writeAll(try [target("json:\(dir)/ok.json"), target("html:\(dir)/taken")], report, masker: SecretMasker())
        XCTAssertEqual(failures.count, 1, failures.joined())
        XCTAssertTrue(failures[0].hasPrefix("cannot write html report \(dir)/taken: "), failures[0])
        XCTAssertFalse(failures[0].contains("NSCocoaErrorDomain"), failures[0])
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/ok.json"))
    }

    // MARK: --insecure

    func testInsecureRunsAreMarkedInEveryReport() throws {
        var report = try ReportFixtures.small()
        report.insecureTLS = true
        let masker = SecretMasker()
        let json = ReportWriter.render(.json, report, masker: masker)
        XCTAssertTrue(json.contains(#""insecure_tls" : true"#) || json.contains(#""insecure_tls": true"#), json)
        XCTAssertTrue(try JSONReport.decode(json).insecureTLS, "the mark survives `rehearse merge`")
        XCTAssertTrue(ReportWriter.render(.markdown, report, masker: masker).contains("TLS certificates not verified"))
        XCTAssertTrue(ReportWriter.render(.html, report, masker: masker).contains("TLS certificates not verified (--insecure)"))
        XCTAssertTrue(ReportWriter.render(.junit, report, masker: masker).contains(#"<property name="insecure_tls" value="true"/>"#))
        let console = ConsoleReporter(live: false, color: false) { _ in }.finalText(report, exitCode: 0)
        XCTAssertTrue(console.contains("TLS certificates were not verified (--insecure)"))
        report.insecureTLS = false
        for format in ReportFormat.allCases {
            XCTAssertFalse(ReportWriter.render(format, report, masker: masker).contains("insecure"), "\(format)")
        }
    }

    func testCertificateFailuresNameTheFlag() throws {
        let error = AsyncHTTPTransport.classify(NIOSSLExtraError.failedToValidateHostname,
                                                endpoint: try TransportEndpoint(url: "https://staging.test"),
                                                timeout: .seconds(1), connectTimeout: .seconds(1))
        XCTAssertEqual(error.kind, .connect)
        XCTAssertTrue(error.message.hasPrefix("TLS certificate does not match the host (staging.test:443)"), error.message)
        XCTAssertTrue(error.message.contains("--insecure skips verification"), error.message)
    }

    // MARK: the masker's rules

    func testShortSecretsAreCountedNotMasked() {
        let masker = SecretMasker()
        masker.add("e")
        masker.add("ab")
        masker.add("abcd")
        XCTAssertEqual(masker.tooShortToMask, 2)
        XCTAssertEqual(masker.mask("expected abcde"), "expected ***e")
        XCTAssertTrue(masker.tooShortWarning?.contains("2 secret values are shorter than 4 characters") == true)
        XCTAssertNil(SecretMasker().tooShortWarning)
    }

    func testAStartOfASecretAtACutIsMasked() {
        let masker = SecretMasker()
        masker.add("tok_live_4f9a8b7c6d5e3f21x")
        XCTAssertEqual(masker.mask(#"found "xx tok_live_4f9a8b…"#), #"found "xx ***…"#)
        XCTAssertEqual(masker.mask("body ends with tok_live"), "body ends with ***")
        XCTAssertEqual(masker.mask("tok is short… tok_ not"), "tok is short… tok_ not", "three letters, or not at a cut, stay")
        XCTAssertEqual(masker.excerpt("0123456789 tok_live_4f9a8b7c6d5e3f21x", limit: 13), "0123456789 **…")
    }
}
