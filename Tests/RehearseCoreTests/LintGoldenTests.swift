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

/// Each `Golden/lint/NAME.yaml` is linted with the suite config beside it; the text the user
/// would see is compared with `NAME.out`. `Golden/lint-suite/NAME/` holds cases about the suite
/// config itself, with the expected output in `NAME/expected.out`.
final class LintGoldenTests: XCTestCase {
    func render(_ paths: [String], relativeTo dir: String, strict: Bool = false) -> String {
        let result = Lint.run(paths: paths, strict: strict)
        let text = result.renderText() + "exit: \(result.exitCode)\n"
        return text.replacingOccurrences(of: dir + "/", with: "")
    }

    func testLintCases() throws {
        let dir = Golden.directory + "/lint"
        let inputs = Golden.files(in: dir, suffix: ".yaml").filter { !$0.hasSuffix("/rehearse.yaml") }
        XCTAssertGreaterThanOrEqual(inputs.count, 30, "the golden corpus went missing")
        for input in inputs {
            let strict = input.contains("strict-")
            let out = render([input], relativeTo: dir, strict: strict)
            Golden.check(out, against: String(input.dropLast(".yaml".count)) + ".out")
        }
    }

    func testSuiteConfigCases() throws {
        let dir = Golden.directory + "/lint-suite"
        let cases = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
        XCTAssertGreaterThanOrEqual(cases.count, 8)
        for name in cases {
            let caseDir = dir + "/" + name
            Golden.check(render([caseDir], relativeTo: dir), against: caseDir + "/expected.out")
        }
    }

    /// The rendered error for a broken plan names file, line and column and draws a caret.
    func testTextShape() {
        let dir = Golden.directory + "/lint"
        let out = render([dir + "/unknown-case-key.yaml"], relativeTo: dir)
        XCTAssertTrue(out.hasPrefix("unknown-case-key.yaml:"), out)
        XCTAssertTrue(out.contains("error[unknown-key]"), out)
        XCTAssertTrue(out.contains("^"), out)
        XCTAssertTrue(out.contains("help: did you mean 'request'?"), out)
        XCTAssertTrue(out.hasSuffix("exit: 2\n"), out)
    }
}
