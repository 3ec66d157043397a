import RehearseModel
import RehearseDiagnostics

/// A YAML node with the position it was written at: the tree every later stage reads.
///
/// Scalars keep their text and style; typing (null, bool, number) is resolved on demand with
/// the YAML 1.2 core schema, because most scalars in a plan are only ever read as strings.
public struct YAMLNode: Sendable {
    public enum Value: Sendable {
        case scalar(String, ScalarStyle)
        case sequence([YAMLNode])
        case mapping([YAMLPair])
    }

    public enum ScalarStyle: UInt8, Sendable {
        case plain, singleQuoted, doubleQuoted, literal, folded
    }

    public var value: Value
    public var position: SourcePosition
    /// An explicit tag such as `!!str`, shortened to `str`; nil when the node has none.
    public var tag: String?

    public init(_ value: Value, at position: SourcePosition, tag: String? = nil) {
        self.value = value
        self.position = position
        self.tag = tag
    }
}

/// One key and its value in a mapping, both positioned.
public struct YAMLPair: Sendable {
    public var key: YAMLNode
    public var value: YAMLNode
}

extension YAMLNode {
    /// The scalar's text, if this node is a scalar.
    public var scalar: String? {
        if case .scalar(let s, _) = value { return s }
        return nil
    }

    public var pairs: [YAMLPair]? {
        if case .mapping(let p) = value { return p }
        return nil
    }

    public var items: [YAMLNode]? {
        if case .sequence(let i) = value { return i }
        return nil
    }

    public var isPlainScalar: Bool {
        if case .scalar(_, .plain) = value { return tag == nil }
        return false
    }

    /// The value for a scalar key in a mapping (first match; duplicates are reported when loading).
    public subscript(key: String) -> YAMLNode? {
        guard case .mapping(let pairs) = value else { return nil }
        for p in pairs where p.key.scalar == key { return p.value }
        return nil
    }

    /// The node's kind as a user reads it in "expected a mapping, found a string".
    public var kindName: String {
        switch value {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar:
            switch resolved {
            case .null: return "null"
            case .bool: return "a boolean"
            case .int, .float: return "a number"
            case .string: return "a string"
            }
        }
    }

    /// How many characters a caret under this node should span (the key or scalar text).
    public var displayLength: Int {
        if case .scalar(let s, let style) = value {
            let n = s.utf8.count <= 80 ? s.count : 80
            return style == .singleQuoted || style == .doubleQuoted ? n + 2 : max(1, n)
        }
        return 1
    }
}

/// A plain scalar resolved with the YAML 1.2 core schema.
public enum ResolvedScalar: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
}

extension YAMLNode {
    /// The scalar's value typed by the core schema; quoted or block scalars are always strings.
    public var resolved: ResolvedScalar {
        guard case .scalar(let s, let style) = value else { return .string("") }
        if let tag {
            switch tag {
            case "str": return .string(s)
            case "int": return Int(s).map { .int($0) } ?? .string(s)
            case "float": return Double(s).map { .float($0) } ?? .string(s)
            case "bool": return s == "true" ? .bool(true) : s == "false" ? .bool(false) : .string(s)
            case "null": return .null
            default: return .string(s)
            }
        }
        guard style == .plain else { return .string(s) }
        return YAMLNode.resolvePlain(s)
    }

    static func resolvePlain(_ s: String) -> ResolvedScalar {
        guard let first = s.utf8.first else { return .null }
        switch first {
        case UInt8(ascii: "~"): if s == "~" { return .null }
        case UInt8(ascii: "n"), UInt8(ascii: "N"):
            if s == "null" || s == "Null" || s == "NULL" { return .null }
        case UInt8(ascii: "t"), UInt8(ascii: "T"):
            if s == "true" || s == "True" || s == "TRUE" { return .bool(true) }
        case UInt8(ascii: "f"), UInt8(ascii: "F"):
            if s == "false" || s == "False" || s == "FALSE" { return .bool(false) }
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."):
            return resolveNumber(s)
        default: break
        }
        return .string(s)
    }

    private static func resolveNumber(_ s: String) -> ResolvedScalar {
        if let i = Int(s) { return .int(i) }
        if s.hasPrefix("0x"), let i = Int(s.dropFirst(2), radix: 16) { return .int(i) }
        if s.hasPrefix("0o"), let i = Int(s.dropFirst(2), radix: 8) { return .int(i) }
        switch s {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .float(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .float(-.infinity)
        case ".nan", ".NaN", ".NAN": return .float(.nan)
        default: break
        }
        // Core schema floats: digits with an optional fraction and exponent; Double() alone
        // would also accept "nan", "inf" and hex floats, which YAML reads as strings.
        var sawDigit = false
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): sawDigit = true
            case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "-"), UInt8(ascii: "+"): break
            default: return .string(s)
            }
        }
        if sawDigit, let d = Double(s) { return .float(d) }
        return .string(s)
    }
}
