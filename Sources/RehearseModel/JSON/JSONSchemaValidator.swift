/// One way a JSON instance fails a schema: where, which keyword, and why in plain words.
public struct JSONSchemaViolation: Sendable, Equatable, CustomStringConvertible {
    /// JSON Pointer into the instance; "" is the root.
    public let instancePath: String
    /// The schema keyword that failed (`type`, `required`, `additionalProperties`, ...).
    public let keyword: String
    /// A short sentence for people: "expected integer, got string", "unknown key 'reqest'".
    public let message: String

    public init(instancePath: String, keyword: String, message: String) {
        self.instancePath = instancePath
        self.keyword = keyword
        self.message = message
    }

    public var description: String { instancePath.isEmpty ? message : "\(instancePath): \(message)" }
}

/// A schema document that cannot be used: an unresolvable `$ref`, a `pattern` that is not a regex,
/// a keyword whose value has the wrong shape.
public struct JSONSchemaError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    /// JSON Pointer into the schema where the problem is; "" is the root.
    public let schemaPath: String

    public init(message: String, schemaPath: String) {
        self.message = message
        self.schemaPath = schemaPath
    }

    public var description: String { schemaPath.isEmpty ? message : "\(schemaPath): \(message)" }
}

/// Validates JSON values against a JSON Schema (draft 2020-12).
///
/// The schema is compiled once at `init`: references are resolved and regexes built there, so a
/// malformed schema or a reference that leads nowhere fails early, and `validate` is cheap
/// enough to run per response. References follow the 2020-12 rules: `$id` sets the base URI of
/// its subschema, `$anchor` and `$dynamicAnchor` name schemas, `$dynamicRef` looks along the
/// dynamic scope. They reach the document itself, the 2020-12 metaschema (embedded), and other
/// documents the loader reads; nothing is fetched from a network. `format` is an annotation and
/// never fails.
public struct JSONSchemaValidator: Sendable {
    let compiled: CompiledSchema

    /// The base URI of a schema given without one, when its root has no `$id` either.
    public static let defaultBaseURI = "rehearse:///schema.json"

    /// - Parameters:
    ///   - baseURI: where the schema came from, e.g. the `file:` URI of its file; references
    ///     without a scheme are resolved against it (or against the root's `$id`).
    ///   - loader: reads the document with an absolute URI (no fragment) that a reference names
    ///     and no `$id` defines; returns nil when there is none.
    public init(schema: JSONValue, baseURI: String = JSONSchemaValidator.defaultBaseURI,
                loader: (@Sendable (String) -> JSONValue?)? = nil) throws {
        var compiler = SchemaCompiler(root: schema, baseURI: baseURI, loader: loader)
        compiled = try compiler.compileDocument()
    }

    /// Every violation found, in a stable order; empty when `instance` is valid.
    public func validate(_ instance: JSONValue) -> [JSONSchemaViolation] {
        var evaluator = SchemaEvaluator(compiled)
        return evaluator.evaluate(0, instance, at: "").failures.map {
            JSONSchemaViolation(instancePath: $0.path, keyword: $0.keyword, message: $0.message)
        }
    }

    /// True when `instance` satisfies the schema.
    public func isValid(_ instance: JSONValue) -> Bool { validate(instance).isEmpty }
}

/// A violation plus what the `type` keyword wanted, so that a failed `anyOf` whose branches all
/// disagree on type can say "expected string or object" instead of listing each branch.
struct SchemaFailure {
    var path: String
    var keyword: String
    var message: String
    var expectedTypes: [String] = []
    /// For `required` failures, the missing key; lets a failed `oneOf` name the keys it wanted.
    var keys: [String] = []
}

/// Instance positions an applicator looked at, for `unevaluatedItems`.
struct SchemaEvaluatedItems {
    /// Items `0..<prefix` were evaluated (by `prefixItems`, or all of them by `items`).
    var prefix = 0
    /// Items matched by `contains`.
    var indices: Set<Int> = []

    func contains(_ i: Int) -> Bool { i < prefix || indices.contains(i) }

    mutating func formUnion(_ other: SchemaEvaluatedItems) {
        prefix = max(prefix, other.prefix)
        indices.formUnion(other.indices)
    }
}

/// The result of applying one schema at one instance location.
struct SchemaEvaluation {
    var failures: [SchemaFailure] = []
    /// Property names evaluated at this location (the annotation `unevaluatedProperties` reads).
    var properties: Set<String> = []
    var items = SchemaEvaluatedItems()

    var isValid: Bool { failures.isEmpty }

    mutating func fail(_ path: String, _ keyword: String, _ message: String) {
        failures.append(SchemaFailure(path: path, keyword: keyword, message: message))
    }

    /// Takes over a subschema's result at the same instance location.
    mutating func absorb(_ other: SchemaEvaluation) {
        failures += other.failures
        properties.formUnion(other.properties)
        items.formUnion(other.items)
    }

    mutating func absorbAnnotations(_ other: SchemaEvaluation) {
        properties.formUnion(other.properties)
        items.formUnion(other.items)
    }
}

/// Applies compiled schema nodes to an instance.
struct SchemaEvaluator {
    let nodes: [SchemaNode]
    /// Per schema resource, its `$dynamicAnchor` names → nodes.
    let dynamicAnchors: [[String: Int]]
    /// The schema resources entered on the way to the schema being evaluated, outermost first:
    /// the dynamic scope, where a `$dynamicRef` looks for its anchor.
    private var scope: [Int] = []

    /// (schema, instance location) pairs being evaluated through `$ref`: meeting one again means
    /// the schema loops without consuming any of the instance, which would never end.
    private var activeRefs: Set<RefVisit> = []
    private var depth = 0
    static let maxDepth = 400

    private struct RefVisit: Hashable {
        let node: Int
        let path: String
    }

    init(_ compiled: CompiledSchema) {
        nodes = compiled.nodes
        dynamicAnchors = compiled.dynamicAnchors
    }

    mutating func evaluate(_ index: Int, _ instance: JSONValue, at path: String) -> SchemaEvaluation {
        let node = nodes[index]
        var e = SchemaEvaluation()
        if let constant = node.constant {
            if !constant { e.fail(path, "false", "no value is allowed here") }
            return e
        }
        if depth >= Self.maxDepth {
            e.fail(path, "$ref", "too deeply nested to validate")
            return e
        }
        depth += 1
        let entered = scope.last != node.resource
        if entered { scope.append(node.resource) }
        defer {
            depth -= 1
            if entered { scope.removeLast() }
        }

        if let ref = node.ref { follow(ref, instance, path, &e) }
        if let target = node.dynamicRef { follow(dynamicTarget(target, anchor: node.dynamicAnchor), instance, path, &e) }
        // Of a value of the wrong type, nothing else is worth saying: `required` or `oneOf` failures
        // about a string where an object belongs are noise, and validity is already decided.
        guard checkType(node, instance, path, &e) else { return e }
        checkValue(node, instance, path, &e)
        switch instance {
        case .number(let d): checkNumber(node, d, path, &e)
        case .string(let s): checkString(node, s, path, &e)
        case .array(let a): checkArray(node, a, path, &e)
        case .object(let o): checkObject(node, o, path, &e)
        default: break
        }
        applyCombinators(node, instance, path, &e)
        switch instance {
        case .array(let a): checkUnevaluatedItems(node, a, path, &e)
        case .object(let o): checkUnevaluatedProperties(node, o, path, &e)
        default: break
        }
        return e
    }

    /// Evaluates a referenced schema at the same instance location, unless that pair is already
    /// being evaluated further up: such a loop consumes nothing and would never end.
    private mutating func follow(_ target: Int, _ instance: JSONValue, _ path: String, _ e: inout SchemaEvaluation) {
        let visit = RefVisit(node: target, path: path)
        guard !activeRefs.contains(visit) else { return }
        activeRefs.insert(visit)
        e.absorb(evaluate(target, instance, at: path))
        activeRefs.remove(visit)
    }

    /// A `$dynamicRef` whose static target is a `$dynamicAnchor` goes to the outermost resource on
    /// the dynamic scope that has a dynamic anchor of that name; otherwise it is a plain `$ref`.
    private func dynamicTarget(_ target: Int, anchor: String?) -> Int {
        guard let anchor else { return target }
        for resource in scope {
            if let found = dynamicAnchors[resource][anchor] { return found }
        }
        return target
    }
}

extension JSONValue {
    /// The name the `type` keyword uses; "integer" for whole numbers, including 1.0 and 1e20.
    var schemaTypeName: String {
        if case .number(let d) = self { return d.isFinite && d.rounded(.towardZero) == d ? "integer" : "number" }
        return typeName
    }
}
