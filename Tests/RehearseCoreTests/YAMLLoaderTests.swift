import Foundation
import XCTest
import Yams

@testable import Rehearse
@testable import RehearseModel
@testable import RehearseDiagnostics
@testable import RehearseParser
@testable import RehearseCompiler
@testable import RehearseResults
@testable import RehearseRuntime
@testable import RehearseTransportNIO
@testable import RehearseReport

final class YAMLLoaderTests: XCTestCase {
    func load(_ text: String) -> (YAMLNode?, [Diagnostic]) {
        let bag = DiagnosticBag(file: "t.yaml")
        let node = YAMLLoader.load(Array(text.utf8), diagnostics: bag)
        return (node, bag.items)
    }

    func testPositionsAreOneBased() throws {
        let (node, d) = load("a: 1\nlist:\n  - x\n  - {k: v}\n")
        XCTAssertEqual(d.count, 0)
        let root = try XCTUnwrap(node)
        XCTAssertEqual(root.pairs?[0].key.position, SourcePosition(line: 1, column: 1))
        XCTAssertEqual(root.pairs?[0].value.position, SourcePosition(line: 1, column: 4))
        let list = try XCTUnwrap(root["list"]?.items)
        XCTAssertEqual(list[0].position, SourcePosition(line: 3, column: 5))
        XCTAssertEqual(list[1]["k"]?.position, SourcePosition(line: 4, column: 9))
    }

    func testAnchorsAliasesAndMergeKeys() throws {
        let text = """
        base: &base {auth: none, timeout: 5s}
        extra: &extra {tags: [x]}
        case:
          <<: [*base, *extra]
          timeout: 1s
        copy: *base
        """
        let (node, d) = load(text)
        XCTAssertEqual(d.count, 0)
        let c = try XCTUnwrap(node?["case"])
        XCTAssertEqual(c["timeout"]?.scalar, "1s", "explicit keys win over merged ones")
        XCTAssertEqual(c["auth"]?.scalar, "none")
        XCTAssertEqual(c["tags"]?.items?.count, 1)
        XCTAssertEqual(node?["copy"]?["timeout"]?.scalar, "5s")
    }

    func testDuplicateKeysAreErrorsWithPosition() {
        let (_, d) = load("a: 1\nb: 2\na: 3\n")
        XCTAssertEqual(d.count, 1)
        XCTAssertEqual(d.first?.code, .duplicateKey)
        XCTAssertEqual(d.first?.location.position, SourcePosition(line: 3, column: 1))
    }

    func testScalarStylesAndCoreSchema() throws {
        let text = """
        plain: 42
        quoted: "42"
        float: 1.5
        yes_is_string: yes
        nul: ~
        bool: true
        literal: |
          line one
          line two
        folded: >
          a
          b
        """
        let root = try XCTUnwrap(load(text).0)
        XCTAssertEqual(root["plain"]?.resolved, .int(42))
        XCTAssertEqual(root["quoted"]?.resolved, .string("42"))
        XCTAssertEqual(root["float"]?.resolved, .float(1.5))
        XCTAssertEqual(root["yes_is_string"]?.resolved, .string("yes"), "YAML 1.2: yes is a string")
        XCTAssertEqual(root["nul"]?.resolved, .null)
        XCTAssertEqual(root["bool"]?.resolved, .bool(true))
        XCTAssertEqual(root["literal"]?.scalar, "line one\nline two\n")
        XCTAssertEqual(root["folded"]?.scalar, "a b", "clip chomping keeps no break the text does not have")
    }

    func testSyntaxErrorHasPositionAndHint() {
        let (node, d) = load("a:\n  b: 1\n c: 2\n")
        XCTAssertNil(node)
        XCTAssertEqual(d.first?.code, .yamlSyntax)
        XCTAssertEqual(d.first?.location.position?.line, 3)
        XCTAssertNotNil(d.first?.hint)
    }

    func testUnknownAliasIsReported() {
        let (_, d) = load("a: *nope\n")
        XCTAssertEqual(d.map(\.code), [.unknownAlias])
    }

    func testEmptyDocument() {
        let (node, d) = load("# nothing\n")
        XCTAssertNil(node)
        XCTAssertEqual(d.map(\.code), [.emptyFile])
    }

    /// Every example plan builds the same tree with our loader as with Yams.
    func testAgreesWithYamsOnExamplePlans() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("plans")
        let files = FileManager.default.enumerator(atPath: root.path)!.compactMap { $0 as? String }.filter { $0.hasSuffix(".yaml") }
        XCTAssertGreaterThan(files.count, 3)
        for f in files {
            let text = try String(contentsOf: root.appendingPathComponent(f), encoding: .utf8)
            let ours = try XCTUnwrap(load(text).0, f).json
            let theirs = try XCTUnwrap(Yams.load(yaml: text), f)
            XCTAssertEqual(ours, Self.json(theirs), f)
        }
    }

    static func json(_ any: Any) -> JSONValue {
        switch any {
        case let b as Bool: return .bool(b)
        case let i as Int: return .number(Double(i))
        case let d as Double: return .number(d)
        case let s as String: return .string(s)
        case let a as [Any]: return .array(a.map(json))
        case let o as [AnyHashable: Any]:
            var out: [String: JSONValue] = [:]
            for (k, v) in o { out["\(k.base)"] = json(v) }
            return .object(out)
        default: return .null
        }
    }
}
