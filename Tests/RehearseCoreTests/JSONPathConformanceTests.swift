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

/// The JSONPath Compliance Test Suite (RFC 9535), run the way a plan runs a `json:` expectation:
/// the path is parsed as lint parses it, the document is a response body, and the suite's
/// nodelist is the expected value of an `equals` matcher (spec §7: a singular query gives its
/// value or nothing, any other query an array).
final class JSONPathConformanceTests: XCTestCase {
    func testComplianceTestSuite() throws {
        let dir = try Conformance.require("jsonpath")
        guard case .array(let tests)? = try Conformance.json(dir.appendingPathComponent("cts.json"))["tests"] else {
            return XCTFail("cts.json has no tests array")
        }
        let checker = ExpectationChecker(evaluator: MatcherEvaluator(renderer: Self.renderer), planFile: "cts.yaml",
                                         schemas: SchemaStore())
        var failures: [String] = []
        var valid = (passed: 0, total: 0), invalid = (passed: 0, total: 0)
        for test in tests {
            guard case .string(let name)? = test["name"], case .string(let selector)? = test["selector"] else {
                failures.append("malformed test \(test.jsonText.prefix(80))")
                continue
            }
            if test["invalid_selector"] == .bool(true) {
                invalid.total += 1
                if let why = Self.rejection(selector) { failures.append("\(name): \(selector): \(why)") } else { invalid.passed += 1 }
                continue
            }
            valid.total += 1
            if let why = Self.selection(test, selector, checker) { failures.append("\(name): \(selector): \(why)") } else { valid.passed += 1 }
        }
        print("JSONPath CTS: valid selectors \(valid.passed)/\(valid.total) correct, invalid selectors \(invalid.passed)/\(invalid.total) rejected with a position")
        XCTAssertEqual(valid.total + invalid.total, tests.count)
        XCTAssertGreaterThan(valid.total, 0)
        XCTAssertGreaterThan(invalid.total, 0)
        XCTAssertTrue(failures.isEmpty, "\(failures.count) failures:\n" + failures.prefix(40).joined(separator: "\n"))
    }

    static let renderer = TemplateRenderer(scope: TemplateScope(), random: RandomSource(seed: 1), clock: SystemRunClock())

    /// Why an invalid selector was not rejected as lint rejects it (nil: it was, with a position).
    static func rejection(_ selector: String) -> String? {
        do {
            _ = try JSONPath(selector)
            return "accepted, but the suite says it is invalid"
        } catch {
            guard (0...selector.count).contains(error.offset) else { return "rejected at offset \(error.offset), outside the path" }
            return nil
        }
    }

    /// Why a valid selector did not select what the suite expects (nil: it did).
    static func selection(_ test: JSONValue, _ selector: String, _ checker: ExpectationChecker) -> String? {
        let path: JSONPath
        do { path = try JSONPath(selector) } catch { return "rejected: \(error.message) at \(error.offset)" }
        guard let document = test["document"] else { return "no document" }
        let nodelists: [JSONValue]
        if case .array(let one)? = test["result"] {
            nodelists = [.array(one)]
        } else if case .array(let several)? = test["results"] {
            nodelists = several
        } else {
            return "no result"
        }
        let response = ObservedResponse(status: 200, headers: [], body: Array(document.jsonText.utf8), duration: .zero, parseJSON: true)
        var reasons: [String] = []
        for case .array(let nodes) in nodelists {
            var expectation = Expectation()
            let matcher: Matcher
            if path.isSingular {
                // A singular query's nodelist has at most one node: its value, or nothing.
                matcher = nodes.first.map { .equals(Conformance.template($0)) } ?? .exists(false)
            } else {
                matcher = .equals(Conformance.template(.array(nodes)))
            }
            expectation.json = [JSONAssertion(path: path, matcher: matcher, position: SourcePosition(line: 1, column: 1))]
            let failed = checker.check(expectation, response)
            if failed.isEmpty { return nil }
            reasons += failed.map(\.message)
        }
        return reasons.joined(separator: "; or ")
    }
}
