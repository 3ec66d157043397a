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

    /// Lint, run and the schema agree (spec §7): every golden lint input without a lint error
    /// validates against the schema, which is the same as: every schema-invalid one has a lint
    /// error. Golden suite configs are held to the suite schema the same way.
    func testEveryPlanThatLintsCleanValidatesAgainstTheSchema() throws {
        let plan = try JSONSchemaValidator(schema: RehearseSchemas.plan)
        let suite = try JSONSchemaValidator(schema: RehearseSchemas.suite)
        let lintDir = Golden.directory + "/lint"
        var inputs = Golden.files(in: lintDir, suffix: ".yaml").filter { !$0.hasSuffix("/rehearse.yaml") }.map { ($0, [$0]) }
        let suiteDir = Golden.directory + "/lint-suite"
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: suiteDir)) ?? []).sorted() {
            inputs.append((suiteDir + "/" + name + "/rehearse.yaml", [suiteDir + "/" + name]))
        }
        var clean = 0, schemaInvalid = 0
        for (file, lintPaths) in inputs {
            let lint = Lint.run(paths: lintPaths, strict: false)
            let bag = DiagnosticBag(file: file)
            guard let bytes = FileManager.default.contents(atPath: file), let node = YAMLLoader.load(Array(bytes), diagnostics: bag)
            else { continue }
            let validator = file.hasSuffix("/rehearse.yaml") ? suite : plan
            let problems = validator.validate(node.json)
            if !problems.isEmpty { schemaInvalid += 1 }
            let errors = lint.diagnostics.filter { $0.severity == .error && ($0.location.file == file || !file.hasSuffix("/rehearse.yaml")) }
            if errors.isEmpty {
                clean += 1
                XCTAssertEqual(problems.map { "\($0.instancePath): \($0.message)" }, [],
                               "\(file) lints clean but the schema rejects it")
            }
        }
        XCTAssertGreaterThan(clean, 5)
        XCTAssertGreaterThan(schemaInvalid, 20, "the golden corpus should hold schema-invalid plans")
    }

    /// `x-` keys hold anchors at any level of a plan or suite config; lint and the schema both
    /// ignore them (spec §7), while in free-form maps (vars, headers, bodies) they stay data.
    func testExtensionKeysAreIgnoredAtEveryLevelByLintAndSchema() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rehearse-x-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let suiteText = """
        version: 1
        x-note: suite level
        default_env: staging
        environments:
          staging:
            x-owner: platform
            vars: {base_url: "http://api.test"}
        defaults:
          x-why: shared
          timeout: 5s
        """
        let planText = """
        x-common: &common
          auth: none
          expect: {status: 200, x-comment: "anchors live here"}
        cases:
          - id: health
            <<: *common
            x-ticket: OPS-1
            request: {method: POST, url: "{{ base_url }}/health", x-note: n, json: {x-data: kept}}
            retry: {attempts: 2, x-why: flaky}
        """
        try suiteText.write(to: dir.appendingPathComponent("rehearse.yaml"), atomically: true, encoding: .utf8)
        try planText.write(to: dir.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        let lint = Lint.run(paths: [dir.path], strict: true)
        XCTAssertEqual(lint.diagnostics.map(\.message), [])
        for (name, schema) in [("rehearse.yaml", RehearseSchemas.suite), ("p.yaml", RehearseSchemas.plan)] {
            let bag = DiagnosticBag(file: name)
            let node = try XCTUnwrap(YAMLLoader.load(Array((try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)).utf8),
                                                     diagnostics: bag))
            XCTAssertEqual(try JSONSchemaValidator(schema: schema).validate(node.json).map(\.description), [], name)
        }
        // Data keeps its x- keys: the body is sent as written.
        let testCase = try XCTUnwrap(lint.loaded.plans.first?.cases.first)
        XCTAssertTrue(String(describing: testCase.kind).contains("x-data"), "the json body lost its x- key")
        // A typo is still an error in both.
        try planText.replacingOccurrences(of: "x-ticket", with: "xticket").write(to: dir.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        XCTAssertTrue(Lint.run(paths: [dir.path], strict: false).diagnostics.contains { $0.message.contains("'xticket'") })
    }

    /// A schema is only useful if it rejects mistakes too.
    func testSchemaRejectsATypo() throws {
        let plan = try JSONSchemaValidator(schema: RehearseSchemas.plan)
        let bad: JSONValue = ["cases": [["id": "x", "reqest": "GET http://x", "expect": ["status": 200]]]]
        XCTAssertFalse(plan.validate(bad).isEmpty)
    }
}
