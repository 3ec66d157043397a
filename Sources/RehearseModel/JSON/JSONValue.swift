#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A JSON value as Rehearse compares, captures and reports it.
///
/// Numbers are one case: `1` and `1.0` are the same JSON number, which is what a plan author means
/// by "compared as JSON". Objects keep no order; everything that prints them sorts keys, so output
/// is deterministic.
///
/// Equality is JSON's, not Swift's: strings and member names are equal only when their Unicode
/// scalars are (`"ä"` written precomposed is not `"a\u{308}"`), where `String ==` would call
/// canonically equivalent text equal.
public enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The JSON type name used by the `type:` matcher and in messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number(let d): return JSONValue.isInteger(d) ? "integer" : "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// True when `d` is a whole number that a JSON integer can hold without loss.
    public static func isInteger(_ d: Double) -> Bool {
        d.isFinite && d == d.rounded(.towardZero) && abs(d) < 9_007_199_254_740_992
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return JSONValue.member(o, key) }
        return nil
    }

    /// The member named exactly `name`, scalar for scalar. Dictionary lookup alone would also
    /// find a canonically equivalent key, which JSON counts as a different name.
    public static func member(_ members: [String: JSONValue], _ name: String) -> JSONValue? {
        members.value(exactly: name)
    }

    /// JSON equality: numbers by value (`1 == 1.0`), strings and names by Unicode scalars, arrays
    /// in order, objects regardless of member order. The synthesized hash stays consistent with
    /// it, because scalar-equal strings are also canonically equal and so hash alike.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let l), .bool(let r)): return l == r
        case (.number(let l), .number(let r)): return l == r
        case (.string(let l), .string(let r)): return l.utf8.elementsEqual(r.utf8)
        case (.array(let l), .array(let r)): return l.count == r.count && l.elementsEqual(r, by: ==)
        case (.object(let l), .object(let r)):
            guard l.count == r.count else { return false }
            return l.allSatisfy { key, value in member(r, key).map { $0 == value } ?? false }
        default: return false
        }
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var doubleValue: Double? {
        if case .number(let d) = self { return d }
        return nil
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(nilLiteral: ()) { self = .null }
}

extension Dictionary where Key == String {
    /// The value stored under `name` scalar for scalar. Subscripting also finds a canonically
    /// equivalent key, which JSON (member names, schema property names) counts as different.
    func value(exactly name: String) -> Value? {
        guard let i = index(forKey: name) else { return nil }
        let entry = self[i]
        guard entry.key.utf8.elementsEqual(name.utf8) else { return nil }
        return entry.value
    }
}
