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

/// `expect.schema` files whose `$ref`s reach other files beside them, `$id`-scoped references,
/// and the 2020-12 metaschema by its URI, through `SchemaStore` as a run uses it.
final class SchemaFileReferenceTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("rehearse-schema-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/api/people", withIntermediateDirectories: true)
        try write("api/thread.json", #"{"$ref": "common.json#/$defs/thread"}"#)
        try write("api/common.json", #"""
        {"$defs": {
          "id": {"type": "string", "pattern": "^t_"},
          "thread": {"type": "object", "required": ["id"],
                     "properties": {"id": {"$ref": "#/$defs/id"}, "owner": {"$ref": "people/user.json"}}}
        }}
        """#)
        // Relative to the file that refers, not to the first schema: `..` leads back to api/.
        try write("api/people/user.json", #"""
        {"type": "object", "required": ["name"],
         "properties": {"name": {"type": "string"}, "team": {"$ref": "../common.json#/$defs/id"}}}
        """#)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: dir)
    }

    private func write(_ name: String, _ text: String) throws {
        try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
    }

    private func problems(_ schema: String, _ body: String) throws -> [String] {
        SchemaStore().validate(try JSONValue.parse(body), schemaPath: schema, planFile: dir + "/plan.yaml")
    }

    func testReferencesReachFilesBesideTheSchema() throws {
        XCTAssertEqual(try problems("api/thread.json", #"{"id": "t_1", "owner": {"name": "Ana", "team": "t_9"}}"#), [])
        XCTAssertEqual(try problems("api/thread.json", #"{"id": "x"}"#), ["/id: 'x' does not match the pattern ^t_"])
        XCTAssertEqual(try problems("api/thread.json", #"{"id": "t_1", "owner": {"team": "t_2"}}"#),
                       ["/owner: missing required key 'name'"])
        XCTAssertEqual(try problems("api/thread.json", #"{"id": "t_1", "owner": {"name": "Ana", "team": "z"}}"#),
                       ["/owner/team: 'z' does not match the pattern ^t_"])
    }

    func testAReferenceThatLeadsNowhereIsReportedOnceAsAnUnusableSchema() throws {
        try write("api/broken.json", #"{"properties": {"a": {"$ref": "common.json#/$defs/nope"}, "b": {"$ref": "missing.json"}}}"#)
        guard case .failure(let error) = SchemaStore.load(dir + "/api/broken.json") else { return XCTFail("compiled") }
        XCTAssertTrue(error.message.contains("cannot resolve $ref"), error.message)
        XCTAssertEqual(try problems("api/broken.json", "{}"), [error.message])
    }

    func testIDsScopeTheirReferencesAndTheMetaschemaIsKnownByItsURI() throws {
        try write("api/scoped.json", #"""
        {"$id": "https://example.com/root.json",
         "properties": {
           "inner": {"$id": "nested/inner.json", "$ref": "#/$defs/x", "$defs": {"x": {"type": "integer"}}},
           "viaURI": {"$ref": "https://example.com/nested/inner.json"},
           "schema": {"$ref": "https://json-schema.org/draft/2020-12/schema"}
         },
         "$defs": {"x": {"type": "string"}}}
        """#)
        XCTAssertEqual(try problems("api/scoped.json", #"{"inner": 1, "viaURI": 2, "schema": {"type": "string"}}"#), [])
        XCTAssertEqual(try problems("api/scoped.json", #"{"inner": "a"}"#).count, 1)
        XCTAssertEqual(try problems("api/scoped.json", #"{"viaURI": "a"}"#).count, 1)
        XCTAssertFalse(try problems("api/scoped.json", #"{"schema": {"type": 12}}"#).isEmpty)
        XCTAssertFalse(try problems("api/scoped.json", #"{"schema": {"minLength": -1}}"#).isEmpty)
    }

    func testOnlyFilesAreRead() throws {
        try write("api/remote.json", #"{"$ref": "https://schemas.example.com/thing.json"}"#)
        guard case .failure(let error) = SchemaStore.load(dir + "/api/remote.json") else { return XCTFail("compiled") }
        XCTAssertTrue(error.message.contains("no schema with the URI https://schemas.example.com/thing.json is known"), error.message)
    }
}
