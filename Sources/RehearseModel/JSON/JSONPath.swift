/// A compiled RFC 9535 JSONPath query, such as `$.items[?@.state == 'ready'].id`.
///
/// The text is parsed and type-checked once, in `init`; `select(in:)` then only walks the
/// document. Two paths are equal when their source text is identical, because parsing is
/// deterministic.
///
/// One extension to the RFC: dot shorthand also accepts `-` after the first character of a
/// member name (`$.content-type`), because plan authors write header-like names that way and
/// JSONPath has no arithmetic that `-` could be confused with.
public struct JSONPath: Sendable, Hashable, CustomStringConvertible {
    /// The source text as written.
    public let text: String
    let query: PathQuery

    /// Parses and type-checks `text`; throws the first problem with its position in `text`.
    public init(_ text: String) throws(JSONPathError) {
        self.text = text
        self.query = try PathParser.parse(text)
    }

    /// The nodelist `text` selects from `root`, in document order. Object members are visited in
    /// sorted key order because `JSONValue` objects keep none, and results must be deterministic.
    public func select(in root: JSONValue) -> [JSONValue] {
        PathEvaluator(root: root).select(query, current: root)
    }

    /// True for an RFC "singular query": only single-name and single-index child segments, so
    /// it selects at most one node.
    public var isSingular: Bool { query.isSingular }

    public var description: String { text }

    // Byte equality, not `String ==`: canonically equivalent names are different members in RFC 9535.
    public static func == (lhs: JSONPath, rhs: JSONPath) -> Bool {
        lhs.text.utf8.elementsEqual(rhs.text.utf8)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(text)
    }
}

/// Why a JSONPath could not be parsed, and where.
public struct JSONPathError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Lower-case and short, e.g. "expected ']' to close the bracket selector".
    public let message: String
    /// 0-based offset, in Characters, into the path text where the problem is; the text's
    /// length when the path ends too early.
    public let offset: Int
    /// How to fix it, when there is an obvious fix.
    public let hint: String?

    public var description: String { message }
}

// MARK: - Syntax tree

/// A query: `$` or `@` followed by segments.
struct PathQuery: Sendable {
    /// `@` (the filter's current node) rather than `$`.
    let isRelative: Bool
    let segments: [PathSegment]
    /// Stored, not computed: the evaluator consults it for every filter test.
    let isSingular: Bool

    init(isRelative: Bool, segments: [PathSegment]) {
        self.isRelative = isRelative
        self.segments = segments
        self.isSingular = segments.allSatisfy { segment in
            guard !segment.isDescendant, segment.selectors.count == 1 else { return false }
            switch segment.selectors[0] {
            case .name, .index: return true
            case .wildcard, .slice, .filter: return false
            }
        }
    }
}

struct PathSegment: Sendable {
    /// `..`: the selectors apply to the input node and all of its descendants.
    let isDescendant: Bool
    let selectors: [PathSelector]
}

enum PathSelector: Sendable {
    case name(String)
    case wildcard
    case index(Int)
    case slice(start: Int?, end: Int?, step: Int?)
    case filter(FilterExpression)
}

/// A logical expression inside `[?...]`, already type-checked.
enum FilterExpression: Sendable {
    case or([FilterExpression])
    case and([FilterExpression])
    indirect case not(FilterExpression)
    /// A query used as a test: true when it selects at least one node.
    case exists(PathQuery)
    /// A function whose result is logical (`match`, `search`) used as a test.
    case test(FunctionCall)
    case compare(FilterOperand, ComparisonOperator, FilterOperand)
}

/// Something that yields one value, or Nothing: a comparison side or a value-typed argument.
enum FilterOperand: Sendable {
    case literal(JSONValue)
    /// Always singular; the parser rejects the rest.
    case query(PathQuery)
    /// Always value-typed; the parser rejects the rest.
    case function(FunctionCall)
}

enum ComparisonOperator: Sendable {
    case equal, notEqual, less, lessOrEqual, greater, greaterOrEqual

    var symbol: String {
        switch self {
        case .equal: return "=="
        case .notEqual: return "!="
        case .less: return "<"
        case .lessOrEqual: return "<="
        case .greater: return ">"
        case .greaterOrEqual: return ">="
        }
    }
}

struct FunctionCall: Sendable {
    let function: FilterFunction
    let arguments: [FunctionArgument]
}

enum FunctionArgument: Sendable {
    case value(FilterOperand)
    case nodes(PathQuery)
}

/// The RFC's declared function types. Among the five built-in functions `nodes` occurs only as
/// a parameter type and `logical` only as a result type; both are kept so the checks read like
/// the RFC's rules.
enum FunctionType: Sendable {
    case value, logical, nodes
}

/// The function extensions RFC 9535 defines.
enum FilterFunction: String, Sendable {
    case length, count, match, search, value

    init?(name: UnsafeBufferPointer<UInt8>) {
        // Avoids building a String for the common, known names.
        switch name.count {
        case 5 where name.elementsEqual("count".utf8): self = .count
        case 5 where name.elementsEqual("match".utf8): self = .match
        case 5 where name.elementsEqual("value".utf8): self = .value
        case 6 where name.elementsEqual("length".utf8): self = .length
        case 6 where name.elementsEqual("search".utf8): self = .search
        default: return nil
        }
    }

    var parameters: [FunctionType] {
        switch self {
        case .length: return [.value]
        case .count, .value: return [.nodes]
        case .match, .search: return [.value, .value]
        }
    }

    var result: FunctionType {
        switch self {
        case .length, .count, .value: return .value
        case .match, .search: return .logical
        }
    }
}
