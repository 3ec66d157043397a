import Foundation

/// A schema object (or boolean schema) with its keywords read into typed fields. Subschemas are
/// indices into the validator's node list, so `$ref` cycles need no reference types.
struct SchemaNode: Sendable {
    /// Where this schema sits in the document, as a JSON Pointer; for error messages.
    var location: String
    /// `true` / `false` schemas.
    var constant: Bool?
    /// Names of the validation keywords present, for messages that describe a schema's shape.
    var keywords: Set<String> = []

    var ref: Int?
    var types: [String]?
    var enumValues: [JSONValue]?
    var constValue: JSONValue?

    var multipleOf: Double?
    var maximum: Double?
    var exclusiveMaximum: Double?
    var minimum: Double?
    var exclusiveMinimum: Double?

    var maxLength: Int?
    var minLength: Int?
    var pattern: SchemaPattern?

    var maxItems: Int?
    var minItems: Int?
    var uniqueItems = false
    var prefixItems: [Int] = []
    var items: Int?
    var contains: Int?
    var minContains: Int?
    var maxContains: Int?
    var unevaluatedItems: Int?

    var maxProperties: Int?
    var minProperties: Int?
    var required: [String] = []
    var dependentRequired: [(key: String, required: [String])] = []
    var dependentSchemas: [(key: String, schema: Int)] = []
    var properties: [String: Int] = [:]
    var patternProperties: [(pattern: SchemaPattern, schema: Int)] = []
    var additionalProperties: Int?
    var propertyNames: Int?
    var unevaluatedProperties: Int?

    var allOf: [Int] = []
    var anyOf: [Int] = []
    var oneOf: [Int] = []
    var not: Int?
    var ifSchema: Int?
    var thenSchema: Int?
    var elseSchema: Int?

    init(location: String) { self.location = location }
}

/// A compiled `pattern` / `patternProperties` regex.
///
/// `Regex` is not `Sendable` because its `Output` type parameter could be anything; here it is
/// always `AnyRegexOutput` built from a pattern string, used only for matching, which reads the
/// regex and never mutates it. That makes sharing it across tasks safe.
struct SchemaPattern: @unchecked Sendable {
    let source: String
    let regex: Regex<AnyRegexOutput>

    func matches(_ s: String) -> Bool { s.contains(regex) }
}

/// Reads a schema document into `SchemaNode`s, resolving `$ref`s once all nodes exist.
struct SchemaCompiler {
    let root: JSONValue
    /// The root's `$id` without fragment: a `$ref` spelled as that URL plus a fragment is local.
    let baseID: String?
    /// `$anchor` / `$dynamicAnchor` names (and draft-07 `"$id": "#name"`) → where they are.
    let anchors: [String: [String]]
    private var nodes: [SchemaNode] = []
    private var indexByLocation: [String: Int] = [:]
    private var pendingRefs: [(node: Int, ref: String)] = []

    /// Keywords that only annotate. They are left out of `SchemaNode.keywords`, which messages read
    /// to tell what a schema is about: `not: {required: [a, b], title: ...}` is still about keys.
    static let annotations: Set<String> = [
        "$schema", "$id", "$comment", "$anchor", "$dynamicAnchor", "$vocabulary", "title", "description", "default", "examples",
        "markdownDescription", "deprecated", "readOnly", "writeOnly", "format", "contentMediaType",
        "contentEncoding", "contentSchema",
    ]

    init(root: JSONValue) {
        self.root = root
        if case .string(let id) = root["$id"] ?? .null {
            baseID = id.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)
        } else {
            baseID = nil
        }
        var found: [String: [String]] = [:]
        Self.collectAnchors(root, at: [], into: &found)
        anchors = found
    }

    /// Finds anchors by walking the whole document. An object inside an `enum` or `const` value
    /// that happens to hold "$anchor" would be taken for a schema; no real schema does that.
    private static func collectAnchors(_ value: JSONValue, at tokens: [String], into found: inout [String: [String]]) {
        switch value {
        case .object(let o):
            for key in ["$anchor", "$dynamicAnchor"] {
                if case .string(let name) = o[key] ?? .null, found[name] == nil { found[name] = tokens }
            }
            if case .string(let id) = o["$id"] ?? .null, id.hasPrefix("#"), id.count > 1, found[String(id.dropFirst())] == nil {
                found[String(id.dropFirst())] = tokens
            }
            for k in o.keys.sorted() { collectAnchors(o[k]!, at: tokens + [k], into: &found) }
        case .array(let a):
            for (i, v) in a.enumerated() { collectAnchors(v, at: tokens + [String(i)], into: &found) }
        default:
            break
        }
    }

    mutating func compileDocument() throws -> [SchemaNode] {
        _ = try compile(root, at: [])
        while let pending = pendingRefs.popLast() {
            let tokens = try resolve(pending.ref, from: nodes[pending.node].location)
            var target = root
            for token in tokens {
                guard let next = Self.child(of: target, token) else {
                    throw JSONSchemaError(message: "cannot resolve $ref '\(pending.ref)'", schemaPath: nodes[pending.node].location)
                }
                target = next
            }
            nodes[pending.node].ref = try compile(target, at: tokens)
        }
        return nodes
    }

    private static func child(of value: JSONValue, _ token: String) -> JSONValue? {
        switch value {
        case .object(let o): return o[token]
        case .array(let a):
            guard let i = Int(token), token == String(i), a.indices.contains(i) else { return nil }
            return a[i]
        default: return nil
        }
    }

    /// The pointer tokens a `$ref` names in this document.
    private func resolve(_ ref: String, from location: String) throws -> [String] {
        let fragment: Substring
        if ref.hasPrefix("#") {
            fragment = ref.dropFirst()
        } else if let baseID, !baseID.isEmpty, ref.hasPrefix(baseID),
                  ref.count == baseID.count || ref.dropFirst(baseID.count).hasPrefix("#") {
            fragment = ref.dropFirst(baseID.count).drop(while: { $0 == "#" })
        } else {
            throw JSONSchemaError(message: "cannot resolve $ref '\(ref)': only references inside this document are supported",
                                  schemaPath: location)
        }
        guard let decoded = String(fragment).removingPercentEncoding else {
            throw JSONSchemaError(message: "invalid percent-encoding in $ref '\(ref)'", schemaPath: location)
        }
        if decoded.isEmpty { return [] }
        guard decoded.hasPrefix("/") else {
            guard let tokens = anchors[decoded] else {
                throw JSONSchemaError(message: "cannot resolve $ref '\(ref)': no $anchor '\(decoded)' in this document",
                                      schemaPath: location)
            }
            return tokens
        }
        return decoded.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    static func pointer(_ tokens: [String]) -> String {
        tokens.map { "/" + escape($0) }.joined()
    }

    /// `~` and `/` escaped as a JSON Pointer token requires.
    static func escape(_ token: String) -> String {
        guard token.contains("~") || token.contains("/") else { return token }
        return token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    /// Compiles the schema at `tokens`, once: a location reached both through the tree and
    /// through a `$ref` maps to one node.
    private mutating func compile(_ value: JSONValue, at tokens: [String]) throws -> Int {
        let location = Self.pointer(tokens)
        if let existing = indexByLocation[location] { return existing }
        let index = nodes.count
        nodes.append(SchemaNode(location: location))
        indexByLocation[location] = index
        switch value {
        case .bool(let b): nodes[index].constant = b
        case .object(let o): nodes[index] = try compileObject(o, at: tokens, location: location)
        default:
            throw JSONSchemaError(message: "a schema must be an object or a boolean, found \(value.typeName)", schemaPath: location)
        }
        return index
    }

    private mutating func compileObject(_ o: [String: JSONValue], at tokens: [String], location: String) throws -> SchemaNode {
        var n = SchemaNode(location: location)
        func err(_ key: String, _ message: String) -> JSONSchemaError {
            JSONSchemaError(message: "\(key): \(message)", schemaPath: location)
        }
        func number(_ key: String) throws -> Double? {
            guard let v = o[key] else { return nil }
            guard case .number(let d) = v else { throw err(key, "expected a number") }
            return d
        }
        func count(_ key: String) throws -> Int? {
            guard let v = o[key] else { return nil }
            guard case .number(let d) = v, d >= 0, d.rounded() == d, d < 1e15 else {
                throw err(key, "expected a non-negative integer")
            }
            return Int(d)
        }
        func strings(_ key: String, _ v: JSONValue) throws -> [String] {
            guard case .array(let a) = v else { throw err(key, "expected an array of strings") }
            return try a.map {
                guard case .string(let s) = $0 else { throw err(key, "expected an array of strings") }
                return s
            }
        }
        func pattern(_ key: String, _ source: String) throws -> SchemaPattern {
            do {
                return SchemaPattern(source: source, regex: try Regex(source))
            } catch {
                throw err(key, "invalid regex '\(source)': \(error)")
            }
        }
        func sub(_ key: String) throws -> Int? {
            guard let v = o[key] else { return nil }
            return try compile(v, at: tokens + [key])
        }
        func subList(_ key: String) throws -> [Int] {
            guard let v = o[key] else { return [] }
            guard case .array(let a) = v, !a.isEmpty else { throw err(key, "expected a non-empty array of schemas") }
            return try a.indices.map { try compile(a[$0], at: tokens + [key, String($0)]) }
        }
        func subMap(_ key: String) throws -> [(key: String, schema: Int)] {
            guard let v = o[key] else { return [] }
            guard case .object(let m) = v else { throw err(key, "expected an object of schemas") }
            return try m.keys.sorted().map { ($0, try compile(m[$0]!, at: tokens + [key, $0])) }
        }

        if o["$recursiveRef"] != nil { throw err("$recursiveRef", "not supported; use $ref") }
        // Definitions are compiled even when nothing refers to them, so a broken one is reported.
        _ = try subMap("$defs")
        _ = try subMap("definitions")

        // A `$dynamicRef` resolves like `$ref` to the anchor in this document. That is exact unless
        // another document extends this one, and only one document is ever loaded here.
        for key in ["$ref", "$dynamicRef"] {
            guard let v = o[key] else { continue }
            guard case .string(let r) = v else { throw err(key, "expected a string") }
            if key == "$dynamicRef", o["$ref"] != nil { throw err(key, "cannot be combined with $ref here") }
            // Resolved after the whole tree is compiled: the target may not exist as a node yet.
            pendingRefs.append((indexByLocation[location]!, r))
        }
        if let v = o["type"] {
            let names: [String]
            switch v {
            case .string(let s): names = [s]
            default: names = try strings("type", v)
            }
            let known: Set = ["null", "boolean", "object", "array", "number", "string", "integer"]
            if let bad = names.first(where: { !known.contains($0) }) { throw err("type", "unknown type '\(bad)'") }
            n.types = names
        }
        if let v = o["enum"] {
            guard case .array(let a) = v else { throw err("enum", "expected an array") }
            n.enumValues = a
        }
        n.constValue = o["const"]
        n.multipleOf = try number("multipleOf")
        if let m = n.multipleOf, m <= 0 { throw err("multipleOf", "must be greater than 0") }
        n.maximum = try number("maximum")
        n.exclusiveMaximum = try number("exclusiveMaximum")
        n.minimum = try number("minimum")
        n.exclusiveMinimum = try number("exclusiveMinimum")
        n.maxLength = try count("maxLength")
        n.minLength = try count("minLength")
        if let v = o["pattern"] {
            guard case .string(let s) = v else { throw err("pattern", "expected a string") }
            n.pattern = try pattern("pattern", s)
        }
        n.maxItems = try count("maxItems")
        n.minItems = try count("minItems")
        if let v = o["uniqueItems"] {
            guard case .bool(let b) = v else { throw err("uniqueItems", "expected true or false") }
            n.uniqueItems = b
        }
        if case .array = o["items"] ?? .null {
            // Draft 2019 spelling: an array `items` is 2020-12's `prefixItems`, `additionalItems` its `items`.
            n.prefixItems = try subList("items")
            n.items = try sub("additionalItems")
        } else {
            n.prefixItems = try subList("prefixItems")
            n.items = try sub("items")
        }
        n.contains = try sub("contains")
        n.minContains = try count("minContains")
        n.maxContains = try count("maxContains")
        n.unevaluatedItems = try sub("unevaluatedItems")
        n.maxProperties = try count("maxProperties")
        n.minProperties = try count("minProperties")
        if let v = o["required"] { n.required = try strings("required", v) }
        if let v = o["dependentRequired"] {
            guard case .object(let m) = v else { throw err("dependentRequired", "expected an object of string arrays") }
            n.dependentRequired = try m.keys.sorted().map { ($0, try strings("dependentRequired", m[$0]!)) }
        }
        n.dependentSchemas = try subMap("dependentSchemas")
        if case .object(let m) = o["dependencies"] ?? .null {
            // Draft 7 spelling of both: a list of keys is dependentRequired, a schema dependentSchemas.
            for key in m.keys.sorted() {
                if case .array = m[key]! {
                    n.dependentRequired.append((key, try strings("dependencies", m[key]!)))
                } else {
                    n.dependentSchemas.append((key, try compile(m[key]!, at: tokens + ["dependencies", key])))
                }
            }
        }
        n.properties = Dictionary(uniqueKeysWithValues: try subMap("properties").map { ($0.key, $0.schema) })
        n.patternProperties = try subMap("patternProperties").map { (try pattern("patternProperties", $0.key), $0.schema) }
        n.additionalProperties = try sub("additionalProperties")
        n.propertyNames = try sub("propertyNames")
        n.unevaluatedProperties = try sub("unevaluatedProperties")
        n.allOf = try subList("allOf")
        n.anyOf = try subList("anyOf")
        n.oneOf = try subList("oneOf")
        n.not = try sub("not")
        n.ifSchema = try sub("if")
        n.thenSchema = try sub("then")
        n.elseSchema = try sub("else")
        n.keywords = Set(o.keys).subtracting(Self.annotations).subtracting(["$defs", "definitions"])
        return n
    }
}
