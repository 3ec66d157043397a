/// What a value must satisfy; several keys in one matcher map must all hold.
public indirect enum Matcher: Sendable, Hashable {
    case equals(ValueTemplate)
    case not(Matcher)
    case matches(RegexSource)
    case contains(ValueTemplate)
    case exists(Bool)
    case type(JSONType)
    case length(CountRange)
    case range(min: Double?, max: Double?)
    case oneOf([ValueTemplate])
    case all([Matcher])
}

/// A regex as written in a plan, checked at lint time and compiled when a case runs.
public struct RegexSource: Sendable, Hashable {
    public var pattern: Template
    public var position: SourcePosition

    package init(pattern: Template, position: SourcePosition) {
        self.pattern = pattern
        self.position = position
    }
}

/// An exact count, or bounds (for `length`).
public struct CountRange: Sendable, Hashable {
    public var min: Int?
    public var max: Int?
    public init(min: Int?, max: Int?) { self.min = min; self.max = max }
    public static func exactly(_ n: Int) -> CountRange { CountRange(min: n, max: n) }
    public func contains(_ n: Int) -> Bool { (min.map { n >= $0 } ?? true) && (max.map { n <= $0 } ?? true) }
}

/// The JSON types the `type:` matcher names.
public enum JSONType: String, Sendable, CaseIterable {
    case string, number, integer, boolean, array, object, null

    public func matches(_ v: JSONValue) -> Bool {
        switch (self, v) {
        case (.string, .string), (.boolean, .bool), (.array, .array), (.object, .object), (.null, .null): return true
        case (.number, .number): return true
        case (.integer, .number(let d)): return JSONValue.isInteger(d)
        default: return false
        }
    }
}
