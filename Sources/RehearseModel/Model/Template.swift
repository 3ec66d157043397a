/// A string that may hold `{{ ... }}` expressions, parsed once at lint time.
public struct Template: Sendable, Hashable, CustomStringConvertible {
    public enum Part: Sendable, Hashable {
        case literal(String)
        /// `offset` is the character offset of the expression's first character in the source string.
        case expression(TemplateExpression, offset: Int)
    }

    public let source: String
    public let parts: [Part]
    /// Where each expression was written (same order as `expressions`); empty when unknown.
    public var positions: [SourcePosition] = []

    public init(source: String, parts: [Part]) {
        self.source = source
        self.parts = parts
    }

    /// A template with no expressions.
    public init(literal: String) {
        self.source = literal
        self.parts = literal.isEmpty ? [] : [.literal(literal)]
    }

    /// True when the string is exactly one expression: it then keeps its value's JSON type.
    public var isSingleExpression: Bool {
        if parts.count == 1, case .expression = parts[0] { return true }
        return false
    }

    public var isLiteral: Bool { !parts.contains { if case .expression = $0 { return true } else { return false } } }

    /// The literal text when there is no expression.
    public var literalValue: String? { isLiteral ? source : nil }

    public var expressions: [TemplateExpression] {
        parts.compactMap { if case .expression(let e, _) = $0 { return e } else { return nil } }
    }

    /// Each expression with the place it was written (or `fallback` when not known).
    public func locatedExpressions(fallback: SourcePosition) -> [(TemplateExpression, SourcePosition)] {
        expressions.enumerated().map { ($0.element, $0.offset < positions.count ? positions[$0.offset] : fallback) }
    }

    public var description: String { source }
}

/// What may stand inside `{{ }}`: a dotted name or a function call.
public enum TemplateExpression: Sendable, Hashable {
    /// `base_url`, `env.API_KEY`, `create-thread.thread_id`.
    case name([String])
    /// `uuid()`, `random_hex(8)`, `random_int(1, 10)`.
    case call(String, [TemplateArgument])
}

public enum TemplateArgument: Sendable, Hashable {
    case number(Double)
    case string(String)
}

/// The functions templates may call, with their arity.
public enum TemplateFunction: String, CaseIterable, Sendable {
    case uuid, now, timestamp
    case randomHex = "random_hex"
    case randomInt = "random_int"

    public var arity: Int {
        switch self {
        case .uuid, .now, .timestamp: return 0
        case .randomHex: return 1
        case .randomInt: return 2
        }
    }

    public var signature: String {
        switch self {
        case .uuid: return "uuid()"
        case .now: return "now()"
        case .timestamp: return "timestamp()"
        case .randomHex: return "random_hex(N)"
        case .randomInt: return "random_int(MIN, MAX)"
        }
    }
}
