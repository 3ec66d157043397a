import Foundation
import XCTest

@testable import RehearseCore

/// The repository's example suite: it lints clean, validates against the published schemas, and
/// the schema files in docs/schema are what `rehearse schema` prints.
final class ExamplePlansTests: XCTestCase {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func yamlFiles() -> [URL] {
        let plans = Self.repo.appendingPathComponent("plans")
        return FileManager.default.enumerator(atPath: plans.path)!.compactMap { $0 as? String }
            .filter { $0.hasSuffix(".yaml") }.sorted().map { plans.appendingPathComponent($0) }
    }

    func testExamplePlansLintClean() {
        let result = Lint.run(paths: [Self.repo.appendingPathComponent("plans").path], strict: true)
        XCTAssertEqual(result.diagnostics.map(\.message), [])
        XCTAssertGreaterThanOrEqual(result.caseCount, 35)
    }

    func testExamplePlansValidateAgainstTheSchemas() throws {
        let plan = try JSONSchemaValidator(schema: RehearseSchemas.plan)
        let suite = try JSONSchemaValidator(schema: RehearseSchemas.suite)
        let files = yamlFiles()
        XCTAssertGreaterThan(files.count, 4)
        for file in files {
            let bag = DiagnosticBag(file: file.path)
            let node = try XCTUnwrap(YAMLLoader.load(Array(try Data(contentsOf: file)), diagnostics: bag), file.path)
            let validator = file.lastPathComponent == "rehearse.yaml" ? suite : plan
            let problems = validator.validate(node.json)
            XCTAssertEqual(problems.map { "\($0.instancePath): \($0.message)" }, [], file.lastPathComponent)
        }
    }

    /// The schema files plans point their editors at are the tool's own output (re-record with
    /// REHEARSE_RECORD=1).
    func testPublishedSchemaFilesAreCurrent() {
        for kind in ["plan", "suite"] {
            let path = Self.repo.appendingPathComponent("docs/schema/\(kind).schema.json").path
            Golden.check(RehearseSchemas.document(for: kind)!.prettyText() + "\n", against: path)
        }
    }

    /// A schema is only useful if it rejects mistakes too.
    func testSchemaRejectsATypo() throws {
        let plan = try JSONSchemaValidator(schema: RehearseSchemas.plan)
        let bad: JSONValue = ["cases": [["id": "x", "reqest": "GET http://x", "expect": ["status": 200]]]]
        XCTAssertFalse(plan.validate(bad).isEmpty)
    }
}
