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

/// JSON compares text by Unicode scalars; Swift's `String ==` by canonical equivalence, under
/// which "ä" (U+00E4) equals "a" + U+0308. Every comparison of JSON values must be JSON's.
final class UnicodeEqualityTests: XCTestCase {
    static let precomposed = "\u{E4}"
    static let decomposed = "a\u{308}"
    /// Outside the Basic Multilingual Plane: UTF-16 needs a surrogate pair, JSON text may escape it.
    static let astral = "\u{1F600}"

    func testSwiftWouldCallThemEqual() {
        // The premise of this file: without care, these compare equal.
        XCTAssertEqual(Self.precomposed, Self.decomposed)
    }

    func testJSONValuesCompareScalars() throws {
        XCTAssertNotEqual(JSONValue.string(Self.precomposed), .string(Self.decomposed))
        XCTAssertNotEqual(JSONValue.string("\u{E9}"), .string("e\u{301}"))
        XCTAssertEqual(try JSONValue.parse(#""\u00e4""#), .string(Self.precomposed))
        XCTAssertEqual(try JSONValue.parse(#""a\u0308""#), .string(Self.decomposed))
        XCTAssertEqual(try JSONValue.parse(#""\ud83d\ude00""#), .string(Self.astral))
        XCTAssertNotEqual(JSONValue.string(Self.astral), .string("\u{1F601}"))
        XCTAssertNotEqual(JSONValue.array([.string(Self.precomposed)]), .array([.string(Self.decomposed)]))
        // Member names too, in both directions of the lookup.
        let a: JSONValue = .object([Self.precomposed: 1])
        let b: JSONValue = .object([Self.decomposed: 1])
        XCTAssertNotEqual(a, b)
        XCTAssertNil(a[Self.decomposed])
        XCTAssertEqual(a[Self.precomposed], 1)
        // Equal values still hash alike, so sets and dictionary keys agree with ==.
        XCTAssertEqual(Set<JSONValue>([.string(Self.precomposed), .string(Self.decomposed)]).count, 2)
        XCTAssertEqual(Set<JSONValue>([.object(["k": .string(Self.astral)]), .object(["k": .string(Self.astral)])]).count, 1)
    }

    func testMatchers() throws {
        let evaluator = MatcherEvaluator(renderer: JSONPathConformanceTests.renderer)
        func check(_ m: Matcher, _ actual: JSONValue) throws -> Bool { try evaluator.check(m, actual) == nil }
        let p = ValueTemplate.string(Template(literal: Self.precomposed))
        let d = JSONValue.string(Self.decomposed)
        XCTAssertFalse(try check(.equals(p), d))
        XCTAssertTrue(try check(.equals(p), .string(Self.precomposed)))
        XCTAssertFalse(try check(.oneOf([p]), d))
        XCTAssertFalse(try check(.contains(p), .array([d])))
        XCTAssertFalse(try check(.contains(p), .object([Self.decomposed: 1])))
        XCTAssertTrue(try check(.contains(p), .object([Self.precomposed: 1])))
        // Substrings by scalars: the decomposed text contains a plain "a"; the precomposed does not.
        let plainA = ValueTemplate.string(Template(literal: "a"))
        XCTAssertTrue(try check(.contains(plainA), .string("x" + Self.decomposed)))
        XCTAssertFalse(try check(.contains(plainA), .string("x" + Self.precomposed)))
        XCTAssertFalse(try check(.contains(p), .string("x" + Self.decomposed)))
        XCTAssertTrue(try check(.contains(.string(Template(literal: Self.astral))), .string("ok \(Self.astral)!")))
        XCTAssertFalse(try check(.contains(.string(Template(literal: "\u{1F601}"))), .string("ok \(Self.astral)!")))
    }

    /// A captured value compared later, through a template, keeps its exact scalars.
    func testCapturesComparedLater() throws {
        var scope = TemplateScope()
        scope.captures = ["login": ["name": .string(Self.precomposed)]]
        let renderer = TemplateRenderer(scope: scope, random: RandomSource(seed: 1), clock: SystemRunClock())
        let template = try TemplateParser.parse("{{ login.name }}").get()
        let evaluator = MatcherEvaluator(renderer: renderer)
        XCTAssertNotNil(try evaluator.check(.equals(.string(template)), .string(Self.decomposed)))
        XCTAssertNil(try evaluator.check(.equals(.string(template)), .string(Self.precomposed)))
    }

    func testSchemaConstEnumAndUniqueItems() throws {
        func valid(_ schema: JSONValue, _ instance: JSONValue) throws -> Bool { try JSONSchemaValidator(schema: schema).isValid(instance) }
        let p = JSONValue.string(Self.precomposed), d = JSONValue.string(Self.decomposed)
        XCTAssertFalse(try valid(["const": p], d))
        XCTAssertTrue(try valid(["const": p], p))
        XCTAssertFalse(try valid(["enum": [p, .string(Self.astral)]], d))
        XCTAssertTrue(try valid(["enum": [p, .string(Self.astral)]], .string(Self.astral)))
        XCTAssertTrue(try valid(["uniqueItems": true], [p, d]))
        XCTAssertFalse(try valid(["uniqueItems": true], [.string(Self.astral), .string(Self.astral)]))
        XCTAssertFalse(try valid(["required": [p]], .object([Self.decomposed: 1])))
        XCTAssertFalse(try valid(["properties": [Self.precomposed: false]], .object([Self.precomposed: 1])))
        XCTAssertTrue(try valid(["properties": [Self.precomposed: false]], .object([Self.decomposed: 1])))
    }

    func testJSONPathFilterAndNames() throws {
        let doc: JSONValue = ["items": [["n": .string(Self.decomposed)], ["n": .string(Self.precomposed)], ["n": .string(Self.astral)]],
                              Self.decomposed: "dec"]
        XCTAssertEqual(try JSONPath("$.items[?@.n == '\u{E4}'].n").select(in: doc), [.string(Self.precomposed)])
        XCTAssertEqual(try JSONPath("$.items[?@.n == '\\ud83d\\ude00'].n").select(in: doc), [.string(Self.astral)])
        XCTAssertEqual(try JSONPath("$['\u{E4}']").select(in: doc), [])
        XCTAssertEqual(try JSONPath("$['a\u{308}']").select(in: doc), ["dec"])
    }
}
