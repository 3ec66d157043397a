import RehearseModel
import RehearseDiagnostics

extension YAMLNode {
    /// The node as JSON (for schema validation and request bodies): scalars typed by the core
    /// schema, non-string keys as their text.
    public var json: JSONValue {
        switch value {
        case .scalar(let s, _):
            switch resolved {
            case .null: return .null
            case .bool(let b): return .bool(b)
            case .int(let i): return .number(Double(i))
            case .float(let d): return .number(d)
            case .string: return .string(s)
            }
        case .sequence(let items): return .array(items.map(\.json))
        case .mapping(let pairs):
            var o: [String: JSONValue] = [:]
            for p in pairs { o[p.key.scalar ?? p.key.json.jsonText] = p.value.json }
            return .object(o)
        }
    }
}
