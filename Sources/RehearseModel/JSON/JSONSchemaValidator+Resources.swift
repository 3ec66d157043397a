#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A place in one of the documents a validator has read: the document's index and the JSON
/// Pointer tokens from its root.
struct SchemaLocation: Hashable {
    let document: Int
    let tokens: [String]

    func appending(_ more: String...) -> SchemaLocation { SchemaLocation(document: document, tokens: tokens + more) }
}

/// Where `$ref` and `$dynamicRef` can point: every document read so far, the schema resources
/// their `$id`s make (with their base URIs), and the anchors inside those resources.
///
/// A reference is resolved against the base URI of the schema it appears in, then looked up
/// here. Documents other than the first come from the embedded 2020-12 metaschemas or from the
/// loader the validator was given (files beside a plan's schema); nothing is fetched.
package struct SchemaResources {
    private(set) var documents: [JSONValue] = []
    /// The URI each document was read from; the base of its root unless the root has an `$id`.
    private(set) var documentURIs: [String] = []
    /// Absolute URI without fragment → the root of that schema resource.
    private var resources: [String: SchemaLocation] = [:]
    /// `uri#name` → the schema with that `$anchor` or `$dynamicAnchor` in that resource.
    private var anchors: [String: SchemaLocation] = [:]
    /// The `uri#name` keys of `anchors` written as `$dynamicAnchor`.
    private(set) var dynamicAnchors: [(resource: String, name: String, location: SchemaLocation)] = []
    private var dynamicAnchorKeys: Set<String> = []
    /// Base URI of every schema found by walking the documents' subschema keywords.
    private var baseAt: [SchemaLocation: String] = [:]
    let loader: (@Sendable (String) -> JSONValue?)?

    init(loader: (@Sendable (String) -> JSONValue?)?) { self.loader = loader }

    /// Keywords whose value is one subschema, a list of them, or a map of names to them. Only
    /// these are searched for `$id` and anchors: an `$id` inside an `enum` value is data.
    static let singleSubschema = ["additionalProperties", "items", "additionalItems", "contains", "propertyNames", "not",
                                  "if", "then", "else", "unevaluatedItems", "unevaluatedProperties", "contentSchema"]
    static let subschemaLists = ["allOf", "anyOf", "oneOf", "prefixItems", "items"]
    static let subschemaMaps = ["$defs", "definitions", "properties", "patternProperties", "dependentSchemas", "dependencies"]

    /// Adds a document read from `uri` and records its resources and anchors; returns its index.
    @discardableResult
    mutating func add(_ document: JSONValue, uri: String) -> Int {
        let index = documents.count
        documents.append(document)
        documentURIs.append(uri)
        let root = SchemaLocation(document: index, tokens: [])
        if resources[uri] == nil { resources[uri] = root }
        scan(document, at: root, base: uri)
        return index
    }

    private mutating func scan(_ value: JSONValue, at location: SchemaLocation, base inherited: String) {
        guard case .object(let o) = value else { return }
        let base = Self.base(of: o, inheriting: inherited)
        if base != inherited, resources[base] == nil { resources[base] = location }
        baseAt[location] = base
        // Draft 7 spelled an anchor as `"$id": "#name"`.
        if case .string(let id) = o["$id"] ?? .null, id.hasPrefix("#"), id.count > 1 {
            addAnchor(String(id.dropFirst()), in: base, at: location, dynamic: false)
        }
        if case .string(let name) = o["$anchor"] ?? .null { addAnchor(name, in: base, at: location, dynamic: false) }
        if case .string(let name) = o["$dynamicAnchor"] ?? .null { addAnchor(name, in: base, at: location, dynamic: true) }
        for key in Self.singleSubschema {
            if let sub = o[key] { scan(sub, at: location.appending(key), base: base) }
        }
        for key in Self.subschemaLists {
            guard case .array(let list) = o[key] ?? .null else { continue }
            for (i, sub) in list.enumerated() { scan(sub, at: location.appending(key, String(i)), base: base) }
        }
        for key in Self.subschemaMaps {
            guard case .object(let map) = o[key] ?? .null else { continue }
            for name in map.keys.sorted() { scan(map[name]!, at: location.appending(key, name), base: base) }
        }
    }

    private mutating func addAnchor(_ name: String, in base: String, at location: SchemaLocation, dynamic: Bool) {
        let key = "\(base)#\(name)"
        if anchors[key] == nil { anchors[key] = location }
        if dynamic, dynamicAnchorKeys.insert(key).inserted {
            dynamicAnchors.append((base, name, location))
        }
    }

    /// The base URI inside a schema object: its `$id` resolved against the enclosing base, minus
    /// any (empty) fragment.
    static func base(of object: [String: JSONValue], inheriting base: String) -> String {
        guard case .string(let id) = object["$id"] ?? .null, !id.hasPrefix("#") else { return base }
        return SchemaURI.split(SchemaURI.resolve(id, against: base)).resource
    }

    func value(at location: SchemaLocation) -> JSONValue? {
        var value = documents[location.document]
        for token in location.tokens {
            guard let next = Self.child(of: value, token) else { return nil }
            value = next
        }
        return value
    }

    /// The base URI in force at `location`. Schemas reached by walking the subschema keywords
    /// were recorded; any other place a JSON Pointer can name gets the `$id`s on its way.
    func base(at location: SchemaLocation) -> String {
        if let known = baseAt[location] { return known }
        var value = documents[location.document]
        var base = documentURIs[location.document]
        if case .object(let o) = value { base = Self.base(of: o, inheriting: base) }
        for token in location.tokens {
            guard let next = Self.child(of: value, token) else { break }
            value = next
            if case .object(let o) = value { base = Self.base(of: o, inheriting: base) }
        }
        return base
    }

    static func child(of value: JSONValue, _ token: String) -> JSONValue? {
        switch value {
        case .object(let o): return JSONValue.member(o, token)
        case .array(let a):
            guard let i = Int(token), token == String(i), a.indices.contains(i) else { return nil }
            return a[i]
        default: return nil
        }
    }

    // MARK: Resolving references

    /// Where `reference`, written in a schema whose base URI is `base`, points; and the anchor
    /// name when it names a `$dynamicAnchor` (what makes a `$dynamicRef` dynamic).
    mutating func locate(_ reference: String, base: String) throws(SchemaReferenceError)
        -> (location: SchemaLocation, dynamicAnchor: String?)
    {
        let (uri, encoded) = SchemaURI.split(SchemaURI.resolve(reference, against: base))
        guard let fragment = Text.percentDecoded(encoded) else { throw .init("invalid percent-encoding") }
        guard let root = resource(uri) else {
            if uri.hasPrefix("file:") {
                let path = Self.filePath(uri) ?? uri
                // The loader refuses files outside the suite folder (and what is not a regular file).
                if FileManager.default.fileExists(atPath: path) {
                    throw .init("cannot read \(path) as a schema: a referenced file must be a JSON file inside the suite folder")
                }
                throw .init("no schema file \(path)")
            }
            throw .init("no schema with the URI \(uri) is known (only files beside the schema and the 2020-12 metaschema can be referenced)")
        }
        if fragment.isEmpty { return (root, nil) }
        if fragment.hasPrefix("/") {
            let tokens = fragment.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
                String($0).replacingAll("~1", with: "/").replacingAll("~0", with: "~")
            }
            let target = SchemaLocation(document: root.document, tokens: root.tokens + tokens)
            guard value(at: target) != nil else { throw .init("nothing at \(fragment)") }
            return (target, nil)
        }
        let key = "\(uri)#\(fragment)"
        guard let target = anchors[key] else {
            let place = uri == documentURIs[0] || resources[uri] == SchemaLocation(document: 0, tokens: []) ? "this document" : uri
            throw .init("no $anchor '\(fragment)' in \(place)")
        }
        return (target, dynamicAnchorKeys.contains(key) ? fragment : nil)
    }

    /// The root of the resource `uri`, reading its document first when it is not known yet.
    private mutating func resource(_ uri: String) -> SchemaLocation? {
        if let known = resources[uri] { return known }
        if let text = Metaschema2020.documents[uri], let document = try? JSONValue.parse(text) {
            add(document, uri: uri)
        } else if let loader, let document = loader(uri) {
            add(document, uri: uri)
        }
        return resources[uri]
    }

    /// The file system path of a `file:` URI, or nil for other schemes.
    package static func filePath(_ uri: String) -> String? {
        let parts = SchemaURI.Parts(uri)
        guard parts.scheme == "file", parts.authority == nil || parts.authority == "" || parts.authority == "localhost" else {
            return nil
        }
        return Text.percentDecoded(parts.path)
    }

    /// The `file:` URI of an absolute path, for use as a base URI.
    package static func fileURI(_ path: String) -> String {
        // Foundation's `urlPathAllowed` without `#`, `?` and `%`.
        return "file://" + Text.percentEncoded(path) { Text.isASCIIAlphanumeric($0) || "!$&'()*+,-./:=@_~".utf8.contains($0) }
    }
}

/// Why a reference could not be resolved; the compiler adds which `$ref` and where.
struct SchemaReferenceError: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}
