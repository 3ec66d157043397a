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

final class JSONSchemaValidatorTests: XCTestCase {
    private func validator(_ schema: String, file: StaticString = #filePath, line: UInt = #line) throws -> JSONSchemaValidator {
        try JSONSchemaValidator(schema: JSONValue.parse(schema))
    }

    /// Asserts validity of each instance (JSON text) against `schema`.
    private func check(_ schema: String, valid: [String] = [], invalid: [String] = [],
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let v = try validator(schema)
        for text in valid {
            let violations = v.validate(try JSONValue.parse(text))
            XCTAssertEqual(violations, [], "\(text) should be valid against \(schema)", file: file, line: line)
        }
        for text in invalid {
            XCTAssertFalse(v.validate(try JSONValue.parse(text)).isEmpty, "\(text) should be invalid against \(schema)",
                           file: file, line: line)
        }
    }

    private func violations(_ schema: String, _ instance: String) throws -> [JSONSchemaViolation] {
        try validator(schema).validate(JSONValue.parse(instance))
    }

    private func messages(_ schema: String, _ instance: String) throws -> [String] {
        try violations(schema, instance).map(\.description)
    }

    // MARK: assertions

    func testBooleanSchemas() throws {
        try check("true", valid: ["1", "null", ##"{"a": [1]}"##])
        try check("false", invalid: ["1", "null", "{}"])
        XCTAssertEqual(try violations("false", "1"), [JSONSchemaViolation(instancePath: "", keyword: "false", message: "no value is allowed here")])
        try check(##"{"properties": {"a": true, "b": false}}"##, valid: [##"{"a": 1}"##], invalid: [##"{"b": 1}"##])
    }

    func testType() throws {
        try check(##"{"type": "integer"}"##, valid: ["1", "1.0", "-7", "1e20"], invalid: ["1.5", ##""1""##, "true", "null"])
        try check(##"{"type": "number"}"##, valid: ["1", "1.5"], invalid: [##""1""##, "false"])
        try check(##"{"type": ["string", "null"]}"##, valid: [##""a""##, "null"], invalid: ["0", "[]"])
        try check(##"{"type": "object"}"##, valid: ["{}"], invalid: ["[]"])
        try check(##"{"type": "boolean"}"##, valid: ["true"], invalid: ["0"])
        XCTAssertEqual(try messages(##"{"type": "integer"}"##, ##""x""##), ["expected integer, got string"])
        XCTAssertEqual(try messages(##"{"type": ["string", "null"]}"##, "1.5"), ["expected string or null, got number"])
    }

    func testEnumAndConst() throws {
        try check(##"{"enum": ["a", 1, null, {"k": [1]}]}"##, valid: [##""a""##, "1.0", "null", ##"{"k": [1]}"##],
                  invalid: [##""b""##, "2", "false", ##"{"k": [2]}"##])
        try check(##"{"const": {"a": 1, "b": [true]}}"##, valid: [##"{"b": [true], "a": 1.0}"##], invalid: [##"{"a": 1}"##])
        try check(##"{"const": null}"##, valid: ["null"], invalid: ["0", "false"])
        XCTAssertEqual(try messages(##"{"enum": ["low", "high"]}"##, ##""urgent""##), ["'urgent' is not one of: low, high"])
        XCTAssertEqual(try messages(##"{"const": 1}"##, "2"), ["expected 1, got 2"])
    }

    func testNumbers() throws {
        try check(##"{"multipleOf": 0.01}"##, valid: ["0.07", "19.99", "4"], invalid: ["0.075"])
        try check(##"{"multipleOf": 2}"##, valid: ["4", "-2", "0"], invalid: ["3", "2.5"])
        // The quotient overflows to infinity, which is not a whole number.
        try check(##"{"multipleOf": 0.123456789}"##, invalid: ["1e308"])
        try check(##"{"minimum": 1, "maximum": 3}"##, valid: ["1", "3", ##""not a number""##], invalid: ["0.9", "3.1"])
        try check(##"{"exclusiveMinimum": 1, "exclusiveMaximum": 3}"##, valid: ["1.1", "2.9"], invalid: ["1", "3"])
        XCTAssertEqual(try messages(##"{"maximum": 599}"##, "700"), ["700 is greater than the maximum 599"])
        XCTAssertEqual(try messages(##"{"exclusiveMinimum": 0}"##, "0"), ["0 must be greater than 0"])
    }

    func testStrings() throws {
        // Lengths count code points: "é" as e + combining accent is 2, an emoji outside the BMP is 1.
        try check(##"{"maxLength": 1}"##, valid: [##""é""##, ##""💩""##, ##""""##, "12"], invalid: [##""e\u0301""##, ##""ab""##])
        try check(##"{"minLength": 2}"##, valid: [##""e\u0301""##], invalid: [##""💩""##])
        try check(##"{"pattern": "b+"}"##, valid: [##""abbc""##, "5"], invalid: [##""ac""##])
        try check(##"{"pattern": "^[0-9]+(ms|s)$"}"##, valid: [##""10ms""##], invalid: [##""10 seconds""##, ##""x10s""##])
        XCTAssertEqual(try messages(##"{"minLength": 3}"##, ##""ab""##), ["'ab' is shorter than 3 characters"])
        XCTAssertEqual(try messages(##"{"pattern": "^x"}"##, ##""abc""##), ["'abc' does not match the pattern ^x"])
    }

    func testFormatIsOnlyAnAnnotationAndUnknownKeywordsAreIgnored() throws {
        try check(##"{"format": "email", "title": "t", "description": "d", "markdownDescription": "m", "default": 1,"##
                  + ##" "examples": [1], "$comment": "c", "x-whatever": {"type": "integer"}}"##,
                  valid: [##""not an email""##, "1.5"])
    }

    // MARK: arrays

    func testArrayBoundsAndUniqueness() throws {
        try check(##"{"minItems": 1, "maxItems": 2}"##, valid: ["[1]", "[1, 2]", "{}"], invalid: ["[]", "[1, 2, 3]"])
        try check(##"{"uniqueItems": true}"##, valid: ["[1, 2]", ##"[{"a": 1}, {"a": 2}]"##, "[1, true]"],
                  invalid: ["[1, 1.0]", ##"[{"a": 1, "b": 2}, {"b": 2, "a": 1}]"##, "[[1], [1]]"])
        try check(##"{"uniqueItems": false}"##, valid: ["[1, 1]"])
        XCTAssertEqual(try messages(##"{"uniqueItems": true}"##, "[1, 2, 1]"), ["items 0 and 2 are equal"])
        XCTAssertEqual(try messages(##"{"minItems": 1}"##, "[]"), ["expected at least 1 item, got 0"])
    }

    func testItemsAndPrefixItems() throws {
        try check(##"{"items": {"type": "integer"}}"##, valid: ["[]", "[1, 2]"], invalid: [##"[1, "2"]"##])
        try check(##"{"prefixItems": [{"type": "string"}, {"type": "integer"}], "items": false}"##,
                  valid: [##"["a", 1]"##, ##"["a"]"##], invalid: [##"[1, 1]"##, ##"["a", 1, 2]"##])
        try check(##"{"prefixItems": [{"type": "string"}], "items": {"type": "boolean"}}"##,
                  valid: [##"["a", true, false]"##], invalid: [##"["a", 1]"##])
        XCTAssertEqual(try violations(##"{"items": {"type": "integer"}}"##, ##"[1, "x"]"##).map(\.instancePath), ["/1"])
    }

    func testContains() throws {
        try check(##"{"contains": {"const": 1}}"##, valid: ["[0, 1]"], invalid: ["[]", "[0]"])
        try check(##"{"contains": {"const": 1}, "minContains": 2, "maxContains": 3}"##,
                  valid: ["[1, 1]", "[1, 0, 1, 1]"], invalid: ["[1]", "[1, 1, 1, 1]"])
        try check(##"{"contains": {"const": 1}, "minContains": 0}"##, valid: ["[]"])
        XCTAssertEqual(try messages(##"{"contains": {"type": "string"}}"##, "[1]"), ["no item matches the required form"])
    }

    // MARK: objects

    func testObjectBoundsAndRequired() throws {
        try check(##"{"minProperties": 1, "maxProperties": 1}"##, valid: [##"{"a": 1}"##, "[]"], invalid: ["{}", ##"{"a": 1, "b": 2}"##])
        try check(##"{"required": ["id", "expect"]}"##, valid: [##"{"id": 1, "expect": 2}"##, "7"], invalid: [##"{"id": 1}"##])
        XCTAssertEqual(try violations(##"{"required": ["id"]}"##, "{}"),
                       [JSONSchemaViolation(instancePath: "", keyword: "required", message: "missing required key 'id'")])
    }

    func testDependentRequiredAndSchemas() throws {
        try check(##"{"dependentRequired": {"until": ["attempts"]}}"##,
                  valid: ["{}", ##"{"attempts": 3}"##, ##"{"until": 1, "attempts": 3}"##], invalid: [##"{"until": 1}"##])
        try check(##"{"dependentSchemas": {"json": {"properties": {"body": false}}}}"##,
                  valid: [##"{"json": 1}"##, ##"{"body": "x"}"##], invalid: [##"{"json": 1, "body": "x"}"##])
        XCTAssertEqual(try messages(##"{"dependentRequired": {"until": ["attempts"]}}"##, ##"{"until": 1}"##),
                       ["key 'attempts' is required when 'until' is present"])
    }

    func testPropertiesPatternPropertiesAndAdditionalProperties() throws {
        let schema = ##"{"properties": {"request": {"type": "string"}, "id": {"type": "string"}}, "##
            + ##""patternProperties": {"^x-": {"type": "integer"}}, "additionalProperties": false}"##
        try check(schema, valid: [##"{"request": "GET /", "x-a": 1}"##, "{}"],
                  invalid: [##"{"request": 1}"##, ##"{"x-a": "s"}"##, ##"{"other": 1}"##])
        XCTAssertEqual(try violations(schema, ##"{"reqest": "GET /"}"##), [
            JSONSchemaViolation(instancePath: "/reqest", keyword: "additionalProperties",
                                message: "unknown key 'reqest'; did you mean 'request'?"),
        ])
        XCTAssertEqual(try messages(schema, ##"{"zzz": 1}"##), ["/zzz: unknown key 'zzz'"])
        try check(##"{"additionalProperties": {"type": "string"}}"##, valid: [##"{"a": "b"}"##], invalid: [##"{"a": 1}"##])
        // Property names are escaped in instance paths.
        XCTAssertEqual(try violations(##"{"additionalProperties": false}"##, ##"{"a/b~c": 1}"##).map(\.instancePath), ["/a~1b~0c"])
    }

    func testPropertyNames() throws {
        try check(##"{"propertyNames": {"pattern": "^\\$"}}"##, valid: [##"{"$.a": 1}"##, "{}"], invalid: [##"{"a": 1}"##])
        XCTAssertEqual(try messages(##"{"propertyNames": {"maxLength": 2}}"##, ##"{"abc": 1}"##),
                       ["/abc: invalid key 'abc': 'abc' is longer than 2 characters"])
    }

    // MARK: combinators

    func testAllOfAnyOfOneOfNot() throws {
        try check(##"{"allOf": [{"type": "integer"}, {"minimum": 2}]}"##, valid: ["2"], invalid: ["1", "2.5"])
        try check(##"{"anyOf": [{"type": "integer"}, {"type": "string", "minLength": 2}]}"##, valid: ["1", ##""ab""##], invalid: ["1.5", ##""a""##])
        try check(##"{"oneOf": [{"type": "integer"}, {"minimum": 2}]}"##, valid: ["1", "2.5"], invalid: ["3", "1.5"])
        try check(##"{"not": {"type": "string"}}"##, valid: ["1"], invalid: [##""a""##])
        XCTAssertEqual(try messages(##"{"not": {"type": "string"}}"##, ##""a""##), ["must not be string"])
    }

    func testCombinatorMessagesExplainTheLikelyIntent() throws {
        // Only one branch has the value's type: its own failure is the explanation.
        let status = ##"{"anyOf": [{"type": "integer", "maximum": 599}, {"type": "string", "pattern": "^[1-5]xx$"}]}"##
        XCTAssertEqual(try messages(status, ##""abc""##), ["'abc' does not match the pattern ^[1-5]xx$"])
        XCTAssertEqual(try messages(status, "700"), ["700 is greater than the maximum 599"])
        XCTAssertEqual(try violations(status, "true").map(\.message), ["expected integer or string, got boolean"])
        // Branches that differ in required keys.
        let kind = ##"{"oneOf": [{"required": ["request"]}, {"required": ["websocket"]}]}"##
        XCTAssertEqual(try messages(kind, "{}"), ["needs 'request' or 'websocket'"])
        XCTAssertEqual(try messages(kind, ##"{"request": 1, "websocket": 2}"##), ["'request' and 'websocket' cannot be used together"])
        XCTAssertEqual(try messages(##"{"oneOf": [{"type": "integer"}, {"minimum": 0}]}"##, "1"),
                       ["matches more than one of the allowed forms (#0 and #1)"])
        let exclusive = ##"{"not": {"anyOf": [{"required": ["json", "body"]}, {"required": ["json", "form"]}]}}"##
        XCTAssertEqual(try messages(exclusive, ##"{"json": 1, "form": 2}"##), ["'json' and 'form' cannot be used together"])
        // A value of the wrong type gets one message, not one per keyword that cannot apply to it.
        XCTAssertEqual(try messages(##"{"type": "object", "required": ["a"], "oneOf": [{"required": ["b"]}, {"required": ["c"]}]}"##, "1"),
                       ["expected object, got integer"])
    }

    func testIfThenElse() throws {
        let schema = ##"{"if": {"properties": {"algorithm": {"enum": ["RS256"]}}, "required": ["algorithm"]}, "##
            + ##""then": {"required": ["private_key_env"]}, "else": {"required": ["secret"]}}"##
        try check(schema, valid: [##"{"algorithm": "RS256", "private_key_env": "K"}"##, ##"{"secret": "s"}"##, "1"],
                  invalid: [##"{"algorithm": "RS256", "secret": "s"}"##, ##"{"algorithm": "HS256"}"##])
        try check(##"{"then": {"type": "string"}, "else": {"type": "string"}}"##, valid: ["1"])
        try check(##"{"if": {"type": "integer"}, "then": {"minimum": 1}}"##, valid: ["1", ##""x""##], invalid: ["0"])
    }

    // MARK: references

    func testLocalReferences() throws {
        let schema = ##"""
        {
          "$id": "https://example.com/s.json",
          "$defs": {
            "a/b": {"type": "integer"},
            "t~x": {"type": "string"},
            "with space": {"minimum": 10},
            "viaID": {"type": "boolean"}
          },
          "definitions": {"old": {"type": "null"}},
          "properties": {
            "slash": {"$ref": "#/$defs/a~1b"},
            "tilde": {"$ref": "#/$defs/t~0x"},
            "space": {"$ref": "#/$defs/with%20space"},
            "old": {"$ref": "#/definitions/old"},
            "absolute": {"$ref": "https://example.com/s.json#/$defs/viaID"},
            "index": {"$ref": "#/properties/slash"},
            "self": {"$ref": "#"}
          },
          "additionalProperties": false
        }
        """##
        try check(schema, valid: [##"{"slash": 1, "tilde": "x", "space": 11, "old": null, "absolute": true, "index": 2}"##,
                                  ##"{"self": {"self": {"slash": 3}}}"##],
                  invalid: [##"{"slash": "1"}"##, ##"{"tilde": 1}"##, ##"{"space": 9}"##, ##"{"old": 0}"##, ##"{"absolute": 0}"##,
                            ##"{"index": 1.5}"##, ##"{"self": {"nope": 1}}"##])
        try check(##"{"$ref": "#/$defs/x", "maxLength": 2, "$defs": {"x": {"type": "string"}}}"##,
                  valid: [##""ab""##], invalid: [##""abc""##, "1"])
        XCTAssertEqual(try violations(schema, ##"{"self": {"slash": "x"}}"##).map(\.instancePath), ["/self/slash"])
    }

    func testAnchorsAndDraft7Spellings() throws {
        try check(##"{"$defs": {"id": {"$anchor": "caseID", "pattern": "^[a-z]+$"}}, "items": {"$ref": "#caseID"}}"##,
                  valid: [##"["abc"]"##], invalid: [##"["ABC"]"##])
        try check(##"{"definitions": {"n": {"$id": "#num", "type": "number"}}, "properties": {"a": {"$ref": "#num"}}}"##,
                  valid: [##"{"a": 1}"##], invalid: [##"{"a": "1"}"##])
        // With no other resource on the dynamic scope, $dynamicRef is $ref to the $dynamicAnchor.
        try check(##"{"$dynamicAnchor": "node", "properties": {"kids": {"items": {"$dynamicRef": "#node"}}, "v": {"type": "integer"}}}"##,
                  valid: [##"{"kids": [{"v": 1}]}"##], invalid: [##"{"kids": [{"v": "x"}]}"##])
        try check(##"{"dependencies": {"until": ["attempts"], "json": {"properties": {"body": false}}}}"##,
                  valid: [##"{"until": 1, "attempts": 2}"##, ##"{"json": 1}"##], invalid: [##"{"until": 1}"##, ##"{"json": 1, "body": 2}"##])
        try check(##"{"items": [{"type": "string"}], "additionalItems": false}"##, valid: [##"["a"]"##], invalid: [##"["a", 1]"##, "[1]"])
    }

    func testRecursiveReferencesTerminate() throws {
        let tree = ##"{"$defs": {"node": {"type": "object", "properties": {"value": {"type": "integer"}, "children": "##
            + ##"{"type": "array", "items": {"$ref": "#/$defs/node"}}}, "additionalProperties": false}}, "$ref": "#/$defs/node"}"##
        try check(tree, valid: [##"{"value": 1, "children": [{"value": 2, "children": [{"value": 3}]}]}"##],
                  invalid: [##"{"children": [{"children": [{"value": "deep"}]}]}"##])
        XCTAssertEqual(try violations(tree, ##"{"children": [{"children": [{"value": "deep"}]}]}"##).map(\.instancePath),
                       ["/children/0/children/0/value"])
        // Loops that never consume any of the instance end instead of recursing forever.
        try check(##"{"$ref": "#"}"##, valid: ["1", "{}"])
        try check(##"{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}"##, valid: ["1"])
        try check(##"{"$defs": {"a": {"allOf": [{"$ref": "#/$defs/a"}, {"type": "integer"}]}}, "$ref": "#/$defs/a"}"##,
                  valid: ["1"], invalid: [##""x""##])
        try check(##"{"properties": {"a": {"$ref": "#"}}, "anyOf": [{"$ref": "#"}]}"##, valid: [##"{"a": {"a": 1}}"##])
    }

    // MARK: unevaluated

    func testUnevaluatedProperties() throws {
        try check(##"{"properties": {"a": true}, "patternProperties": {"^x": true}, "unevaluatedProperties": false}"##,
                  valid: [##"{"a": 1, "xy": 2}"##], invalid: [##"{"b": 1}"##])
        try check(##"{"additionalProperties": true, "unevaluatedProperties": false}"##, valid: [##"{"b": 1}"##])
        let allOf = ##"{"allOf": [{"properties": {"a": true}}, {"$ref": "#/$defs/b"}], "unevaluatedProperties": false, "##
            + ##""$defs": {"b": {"properties": {"b": true}}}}"##
        try check(allOf, valid: [##"{"a": 1, "b": 2}"##], invalid: [##"{"a": 1, "c": 3}"##])
        XCTAssertEqual(try messages(allOf, ##"{"a": 1, "bb": 2}"##), ["/bb: unknown key 'bb'"])
        // Only branches that matched count.
        let anyOf = ##"{"anyOf": [{"properties": {"a": {"type": "integer"}}, "required": ["a"]}, "##
            + ##"{"properties": {"b": {"type": "integer"}}, "required": ["b"]}], "unevaluatedProperties": false}"##
        try check(anyOf, valid: [##"{"a": 1}"##, ##"{"a": 1, "b": 2}"##], invalid: [##"{"a": 1, "b": "x"}"##, ##"{"a": 1, "c": 1}"##])
        let oneOf = ##"{"oneOf": [{"properties": {"jwt": true}, "required": ["jwt"]}, {"properties": {"basic": true}, "required": ["basic"]}], "##
            + ##""properties": {"scheme": true}, "unevaluatedProperties": false}"##
        try check(oneOf, valid: [##"{"jwt": 1, "scheme": "x"}"##], invalid: [##"{"jwt": 1, "basic": {}}"##, ##"{"jwt": 1, "x": 1}"##])
        let conditional = ##"{"if": {"properties": {"kind": {"const": "a"}}, "required": ["kind"]}, "##
            + ##""then": {"properties": {"extra": true}}, "unevaluatedProperties": false}"##
        try check(conditional, valid: [##"{"kind": "a", "extra": 1}"##], invalid: [##"{"kind": "b"}"##, ##"{"kind": "b", "extra": 1}"##])
        try check(##"{"properties": {"a": true}, "unevaluatedProperties": {"type": "integer"}}"##,
                  valid: [##"{"a": "s", "b": 1}"##], invalid: [##"{"b": "s"}"##])
        // Annotations of nested objects stay with them.
        try check(##"{"properties": {"inner": {"properties": {"a": true}}}, "unevaluatedProperties": false}"##,
                  valid: [##"{"inner": {"a": 1}}"##], invalid: [##"{"inner": {}, "a": 1}"##])
    }

    func testUnevaluatedItems() throws {
        try check(##"{"prefixItems": [true], "unevaluatedItems": false}"##, valid: ["[1]"], invalid: ["[1, 2]"])
        try check(##"{"allOf": [{"prefixItems": [true, true]}], "unevaluatedItems": {"type": "string"}}"##,
                  valid: [##"[1, 2, "x"]"##], invalid: ["[1, 2, 3]"])
        try check(##"{"contains": {"type": "string"}, "unevaluatedItems": {"type": "integer"}}"##,
                  valid: [##"["a", 1, "b"]"##], invalid: [##"["a", true]"##])
    }

    // MARK: malformed schemas

    func testMalformedSchemasAreRejectedAtInit() {
        let bad: [(String, String)] = [
            (##"{"$ref": "#/$defs/missing"}"##, "cannot resolve $ref '#/$defs/missing'"),
            (##"{"properties": {"a": {"$ref": "other.json#/x"}}}"##, "cannot resolve $ref 'other.json#/x': no schema with the URI"),
            (##"{"$ref": "#nowhere"}"##, "no $anchor 'nowhere' in this document"),
            (##"{"$recursiveRef": "#"}"##, "not supported"),
            (##"{"pattern": "a("}"##, "invalid regex"),
            (##"{"patternProperties": {"[": true}}"##, "invalid regex"),
            (##"{"type": "text"}"##, "unknown type 'text'"),
            (##"{"minLength": -1}"##, "non-negative integer"),
            (##"{"required": "id"}"##, "array of strings"),
            (##"{"properties": {"a": 1}}"##, "must be an object or a boolean"),
            (##"{"anyOf": []}"##, "non-empty array"),
            (##"{"$defs": {"unused": {"pattern": "("}}}"##, "invalid regex"),
            ("3", "must be an object or a boolean"),
        ]
        for (schema, expected) in bad {
            XCTAssertThrowsError(try validator(schema), schema) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(schema): \(error)")
            }
        }
        XCTAssertThrowsError(try validator(##"{"properties": {"a": {"$ref": "#/nope"}}}"##)) { error in
            XCTAssertEqual((error as? JSONSchemaError)?.schemaPath, "/properties/a")
        }
    }

    func testValidatorIsSharedAcrossTasks() async throws {
        let v = try validator(##"{"type": "object", "properties": {"n": {"type": "string", "pattern": "^x"}}}"##)
        let results = await withTaskGroup(of: Int.self) { group in
            for i in 0..<16 { group.addTask { v.validate(["n": .string("y\(i)")]).count } }
            return await group.reduce(0, +)
        }
        XCTAssertEqual(results, 16)
    }
}
