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

/// Spec §7, "JSONPath results": a singular query (names and indices only) yields one value or
/// nothing; any other query yields an array, always, even of zero or one value, and
/// `{exists: true}` on it means "at least one value". Checked from plan text to verdict.
final class JSONPathResultsTests: XCTestCase {
    /// The cases of a plan written in YAML, as the parser reads them.
    private func cases(_ yaml: String, file: StaticString = #filePath, line: UInt = #line) throws -> [Case] {
        let (plan, diagnostics) = SuiteLoader.parsePlan(Array(yaml.utf8), id: "p", path: "p.yaml")
        XCTAssertEqual(diagnostics.map(\.message), [], file: file, line: line)
        return try XCTUnwrap(plan, file: file, line: line).cases
    }

    private let checker = ExpectationChecker(evaluator: MatcherEvaluator(renderer: JSONPathConformanceTests.renderer),
                                             planFile: "p.yaml", schemas: SchemaStore())

    private func response(_ json: String) -> ObservedResponse {
        ObservedResponse(status: 200, headers: [], body: Array(json.utf8), duration: .zero, parseJSON: true)
    }

    /// The failure messages of each `json:` line of the first case, checked one at a time.
    private func verdicts(_ expectations: String, on body: String, file: StaticString = #filePath, line: UInt = #line)
        throws -> [String: String?]
    {
        let plan = "cases:\n  - id: c\n    request: GET http://x/\n    expect:\n      json:\n" + expectations
        let expect = try cases(plan, file: file, line: line)[0].expect
        var out: [String: String?] = [:]
        for assertion in expect.json {
            var one = Expectation()
            one.json = [assertion]
            out.updateValue(checker.check(one, response(body)).first?.message, forKey: assertion.path.text)
        }
        return out
    }

    /// Issue #11: a one-element wildcard result was unwrapped, so `contains` saw `7`, not `[7]`.
    func testOneValueFromAWildcardIsStillAList() throws {
        let results = try verdicts("""
                $.items[*].id: {contains: 7}
                $.items[?@.id == 7]: {length: 1}
                $..id: [7]
                $.items[0:1]: {type: array}
                $['items','none'][0].id: {equals: [7]}
                $.items[0].id: 7
        """, on: #"{"items": [{"id": 7}]}"#)
        XCTAssertEqual(results.count, 6)
        for (path, failure) in results { XCTAssertNil(failure, path) }
    }

    func testNoValueFromANonSingularQueryIsAnEmptyList() throws {
        let results = try verdicts("""
                $.items[*].id: {exists: true}
                $.items[?@.id == 1]: []
                $.items[-1:-3]: {length: 0}
                $.items[1:2:0]: {exists: false}
                $..missing: {not: {contains: 1}}
                $.items[0].id: {exists: false}
        """, on: #"{"items": []}"#)
        XCTAssertEqual(results["$.items[*].id"], "$.items[*].id: expected at least one value, found none")
        for path in ["$.items[?@.id == 1]", "$.items[-1:-3]", "$.items[1:2:0]", "$..missing", "$.items[0].id"] {
            XCTAssertEqual(results[path], .some(nil), path)
        }
    }

    func testExistsFalseOnANonSingularQueryFailsWhenAnyValueIsThere() throws {
        let results = try verdicts("""
                $.items[*].id: {exists: false}
                $.items[*].name: {exists: false}
        """, on: #"{"items": [{"id": 7}]}"#)
        XCTAssertEqual(results["$.items[*].id"], "$.items[*].id: expected nothing, found [7]")
        XCTAssertEqual(results["$.items[*].name"], .some(nil))
    }

    func testCapturesFollowTheSameRule() throws {
        let plan = """
        cases:
          - id: c
            request: GET http://x/
            expect: {status: 200}
            capture:
              ids: $.items[*].id
              none: $.items[?@.id > 100].id
              first: $.items[0].id
              absent: $.items[5].id
        """
        let captures = try cases(plan)[0].captures
        let (values, failures) = checker.captures(captures, response(#"{"items": [{"id": 7}]}"#))
        XCTAssertEqual(values["ids"], [7])
        XCTAssertEqual(values["none"], [])
        XCTAssertEqual(values["first"], 7)
        XCTAssertNil(values["absent"])
        XCTAssertEqual(failures.map(\.message), ["capture absent: $.items[5].id selected nothing"])
    }
}
