import Foundation
import Synchronization
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

/// The JSON-Schema-Test-Suite, draft 2020-12, required part, run through the validator that
/// `expect.schema` uses. A group whose schema needs a document served at http://localhost:1234
/// (a reference no schema in the group defines, or a custom metaschema there) is out of scope:
/// it is counted and printed as skipped, never silently passed.
final class JSONSchemaConformanceTests: XCTestCase {
    static let remote = "http://localhost:1234/"

    func testDraft2020_12RequiredSuite() throws {
        let dir = try Conformance.require("json-schema-2020-12")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }.sorted()
        XCTAssertFalse(files.isEmpty)
        var passed = 0, total = 0, skipped = 0
        var skippedByFile: [String: Int] = [:]
        var failures: [String] = []
        for file in files {
            guard case .array(let groups) = try Conformance.json(dir.appendingPathComponent(file)) else {
                failures.append("\(file): not an array of groups")
                continue
            }
            for group in groups {
                guard case .string(let groupName)? = group["description"], let schema = group["schema"],
                      case .array(let tests)? = group["tests"] else {
                    failures.append("\(file): malformed group")
                    continue
                }
                let requested = Mutex<[String]>([])
                let compiled = Result {
                    try JSONSchemaValidator(schema: schema, loader: { uri in
                        requested.withLock { $0.append(uri) }
                        return nil
                    })
                }
                let needsRemote = requested.withLock { $0 }.contains { $0.hasPrefix(Self.remote) }
                    || Self.metaschemas(in: schema).contains { $0.hasPrefix(Self.remote) }
                if needsRemote {
                    skipped += tests.count
                    skippedByFile[file, default: 0] += tests.count
                    continue
                }
                for test in tests {
                    total += 1
                    guard case .string(let testName)? = test["description"], let data = test["data"],
                          case .bool(let valid)? = test["valid"] else {
                        failures.append("\(file) / \(groupName): malformed test")
                        continue
                    }
                    let label = "\(file) / \(groupName) / \(testName)"
                    switch compiled {
                    case .failure(let error):
                        failures.append("\(label): schema rejected: \(error)")
                    case .success(let validator):
                        let violations = validator.validate(data)
                        if violations.isEmpty == valid {
                            passed += 1
                        } else {
                            failures.append("\(label): expected \(valid ? "valid" : "invalid"), got "
                                + (violations.isEmpty ? "valid" : violations.map(\.description).joined(separator: "; ")))
                        }
                    }
                }
            }
        }
        let perFile = skippedByFile.keys.sorted().map { "\($0) \(skippedByFile[$0]!)" }.joined(separator: ", ")
        print("JSON Schema 2020-12 suite: \(passed)/\(total) passed, \(skipped) skipped (need documents from \(Self.remote): \(perFile))")
        XCTAssertGreaterThan(total, 0)
        XCTAssertTrue(failures.isEmpty, "\(failures.count) failures:\n" + failures.prefix(60).joined(separator: "\n"))
    }

    /// Every `$schema` value in a schema, at any depth.
    static func metaschemas(in value: JSONValue) -> [String] {
        switch value {
        case .object(let o):
            var found: [String] = []
            if case .string(let s)? = o["$schema"] { found.append(s) }
            for (_, v) in o { found += metaschemas(in: v) }
            return found
        case .array(let a):
            return a.flatMap(metaschemas(in:))
        default:
            return []
        }
    }
}
