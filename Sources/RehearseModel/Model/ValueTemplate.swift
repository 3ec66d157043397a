/// A JSON-shaped value from a plan whose strings may be templates (request bodies, vars, claims).
public indirect enum ValueTemplate: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(Template)
    case array([ValueTemplate])
    /// Keys keep the order they were written in, so request bodies are sent as written.
    case object([(String, ValueTemplate)])

    public static func == (a: ValueTemplate, b: ValueTemplate) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    public func hash(into h: inout Hasher) {
        switch self {
        case .null: h.combine(0)
        case .bool(let b): h.combine(b)
        case .number(let d): h.combine(d)
        case .string(let t): h.combine(t)
        case .array(let a): h.combine(a)
        case .object(let o): for (k, v) in o { h.combine(k); h.combine(v) }
        }
    }

    /// Every template in the value, for name resolution and dependency edges.
    public func forEachTemplate(_ body: (Template) -> Void) {
        switch self {
        case .string(let t): body(t)
        case .array(let a): a.forEach { $0.forEachTemplate(body) }
        case .object(let o): o.forEach { $0.1.forEachTemplate(body) }
        default: break
        }
    }

    /// The value as JSON when it holds no template expression.
    public var literalJSON: JSONValue? {
        switch self {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .number(let d): return .number(d)
        case .string(let t): return t.literalValue.map { .string($0) }
        case .array(let a):
            var out: [JSONValue] = []
            for v in a { guard let j = v.literalJSON else { return nil }; out.append(j) }
            return .array(out)
        case .object(let o):
            var out: [String: JSONValue] = [:]
            for (k, v) in o { guard let j = v.literalJSON else { return nil }; out[k] = j }
            return .object(out)
        }
    }
}
