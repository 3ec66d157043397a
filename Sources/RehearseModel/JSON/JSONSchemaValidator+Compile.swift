#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A schema object (or boolean schema) with its keywords read into typed fields. Subschemas are
/// indices into the validator's node list, so `$ref` cycles need no reference types.
struct SchemaNode: Sendable {
    /// Where this schema sits in the document, as a JSON Pointer; for error messages.
    var location: String
    /// `true` / `false` schemas.
    var constant: Bool?
    /// Names of the validation keywords present, for messages that describe a schema's shape.
    var keywords: Set<String> = []

    /// The schema resource this schema belongs to, numbered by the compiler; entering it puts
    /// it on the dynamic scope.
    var resource = 0
    var ref: Int?
    /// `$dynamicRef`'s target as a plain reference would find it.
    var dynamicRef: Int?
    /// Set when that target is a `$dynamicAnchor` of this name: the outermost resource on the
    /// dynamic scope with the same dynamic anchor then wins.
    var dynamicAnchor: String?
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
/// Sendable through `Regex`'s declared conformance (`RegexStore.swift`, which says why that is safe).
struct SchemaPattern: Sendable {
    let source: String
    let regex: Regex<AnyRegexOutput>

    /// Bounded like every match of server text; a match given up counts as not matching, so the
    /// value fails the schema instead of the run hanging.
    func matches(_ s: String) -> Bool {
        let regex = regex
        return BoundedRegex.within(source, on: s) { s.contains(regex) } ?? false
    }
}

/// What the compiler produces: the nodes (node 0 is the root schema) and, per schema resource,
/// its `$dynamicAnchor`s, which a `$dynamicRef` looks up along the dynamic scope at run time.
struct CompiledSchema: Sendable {
    var nodes: [SchemaNode]
    var dynamicAnchors: [[String: Int]]
}

/// Reads a schema document into `SchemaNode`s, resolving `$ref`s once all nodes exist.
struct SchemaCompiler {
    private var resources: SchemaResources
    private var nodes: [SchemaNode] = []
    /// The base URI each node's references resolve against, by node index.
    private var nodeBases: [String] = []
    private var indexByLocation: [SchemaLocation: Int] = [:]
    private var pendingRefs: [(node: Int, ref: String, dynamic: Bool)] = []
    /// Schema resource URI → the small number nodes and the dynamic scope use for it.
    private var resourceNumbers: [String: Int] = [:]
    private var dynamicAnchorsDone = 0

    /// Keywords that only annotate. They are left out of `SchemaNode.keywords`, which messages read
    /// to tell what a schema is about: `not: {required: [a, b], title: ...}` is still about keys.
    static let annotations: Set<String> = [
        "$schema", "$id", "$comment", "$anchor", "$dynamicAnchor", "$vocabulary", "title", "description", "default", "examples",
        "markdownDescription", "deprecated", "readOnly", "writeOnly", "format", "contentMediaType",
        "contentEncoding", "contentSchema",
    ]

    /// `baseURI` is where the document came from (a plan's schema file as a `file:` URI);
    /// `loader` reads other documents that references name by URI, or returns nil.
    init(root: JSONValue, baseURI: String, loader: (@Sendable (String) -> JSONValue?)?) {
        resources = SchemaResources(loader: loader)
        resources.add(root, uri: baseURI)
    }

    mutating func compileDocument() throws -> CompiledSchema {
        _ = try compile(at: SchemaLocation(document: 0, tokens: []))
        // Resolving a reference can read a new document, whose nodes bring references and
        // dynamic anchors of their own: repeat until nothing new appears.
        while true {
            if let pending = pendingRefs.popLast() {
                try resolve(pending)
            } else if dynamicAnchorsDone < resources.dynamicAnchors.count {
                let anchor = resources.dynamicAnchors[dynamicAnchorsDone]
                dynamicAnchorsDone += 1
                _ = try compile(at: anchor.location)
            } else {
                break
            }
        }
        let numbered = resources.dynamicAnchors.map { (resourceNumber($0.resource), $0.name, indexByLocation[$0.location]) }
        var dynamicAnchors = Array(repeating: [String: Int](), count: resourceNumbers.count)
        for (number, name, index) in numbered { dynamicAnchors[number][name] = index }
        return CompiledSchema(nodes: nodes, dynamicAnchors: dynamicAnchors)
    }

    private mutating func resolve(_ pending: (node: Int, ref: String, dynamic: Bool)) throws {
        let keyword = pending.dynamic ? "$dynamicRef" : "$ref"
        let target: (location: SchemaLocation, dynamicAnchor: String?)
        do {
            target = try resources.locate(pending.ref, base: nodeBases[pending.node])
        } catch {
            throw JSONSchemaError(message: "cannot resolve \(keyword) '\(pending.ref)': \(error.reason)",
                                  schemaPath: nodes[pending.node].location)
        }
        let index = try compile(at: target.location)
        if pending.dynamic {
            nodes[pending.node].dynamicRef = index
            nodes[pending.node].dynamicAnchor = target.dynamicAnchor
        } else {
            nodes[pending.node].ref = index
        }
    }

    private mutating func resourceNumber(_ uri: String) -> Int {
        if let known = resourceNumbers[uri] { return known }
        resourceNumbers[uri] = resourceNumbers.count
        return resourceNumbers.count - 1
    }

    static func pointer(_ tokens: [String]) -> String {
        tokens.map { "/" + escape($0) }.joined()
    }

    /// `~` and `/` escaped as a JSON Pointer token requires.
    static func escape(_ token: String) -> String {
        // Bytes, not characters: "~\u{301}" is one Character that is not "~".
        guard token.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) else { return token }
        return token.replacingAll("~", with: "~0").replacingAll("/", with: "~1")
    }

    /// Compiles the schema at `location`, once: a place reached both through the tree and
    /// through a `$ref` maps to one node.
    private mutating func compile(at location: SchemaLocation) throws -> Int {
        if let existing = indexByLocation[location] { return existing }
        let pointer = Self.pointer(location.tokens)
        // Messages about the schema file itself show a JSON Pointer; other documents add their
        // file path, or their URI when they are not files.
        let uri = resources.documentURIs[location.document]
        let shown = location.document == 0 ? pointer : "\(SchemaResources.filePath(uri) ?? uri)#\(pointer)"
        let index = nodes.count
        let base = resources.base(at: location)
        var node = SchemaNode(location: shown)
        node.resource = resourceNumber(base)
        nodes.append(node)
        nodeBases.append(base)
        indexByLocation[location] = index
        switch resources.value(at: location) {
        case .bool(let b)?: nodes[index].constant = b
        case .object(let o)?: nodes[index] = try compileObject(o, at: location, node: node)
        case let value?:
            throw JSONSchemaError(message: "a schema must be an object or a boolean, found \(value.typeName)", schemaPath: shown)
        case nil:
            throw JSONSchemaError(message: "no schema here", schemaPath: shown)
        }
        return index
    }

    private mutating func compileObject(_ o: [String: JSONValue], at here: SchemaLocation, node: SchemaNode) throws -> SchemaNode {
        var n = node
        let location = node.location
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
            if let problem = RegexStore.nestingProblem(source) { throw err(key, "invalid regex: \(problem)") }
            do {
                return SchemaPattern(source: source, regex: try Regex(source))
            } catch {
                throw err(key, "invalid regex '\(source)': \(error)")
            }
        }
        func sub(_ key: String) throws -> Int? {
            guard o[key] != nil else { return nil }
            return try compile(at: here.appending(key))
        }
        func subList(_ key: String) throws -> [Int] {
            guard let v = o[key] else { return [] }
            guard case .array(let a) = v, !a.isEmpty else { throw err(key, "expected a non-empty array of schemas") }
            return try a.indices.map { try compile(at: here.appending(key, String($0))) }
        }
        func subMap(_ key: String) throws -> [(key: String, schema: Int)] {
            guard let v = o[key] else { return [] }
            guard case .object(let m) = v else { throw err(key, "expected an object of schemas") }
            return try m.keys.sorted().map { ($0, try compile(at: here.appending(key, $0))) }
        }

        if o["$recursiveRef"] != nil { throw err("$recursiveRef", "not supported; use $ref") }
        // Definitions are compiled even when nothing refers to them, so a broken one is reported.
        _ = try subMap("$defs")
        _ = try subMap("definitions")

        for key in ["$ref", "$dynamicRef"] {
            guard let v = o[key] else { continue }
            guard case .string(let r) = v else { throw err(key, "expected a string") }
            // Resolved after the whole tree is compiled: the target may not exist as a node yet.
            pendingRefs.append((indexByLocation[here]!, r, key == "$dynamicRef"))
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
                    n.dependentSchemas.append((key, try compile(at: here.appending("dependencies", key))))
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
