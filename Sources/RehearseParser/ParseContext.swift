import RehearseModel
import RehearseDiagnostics

/// Typed reads from YAML nodes that report every problem and keep going.
///
/// Each read returns nil on a wrong type after reporting it, so one pass collects all problems
/// of a file instead of stopping at the first.
struct ParseContext {
    let bag: DiagnosticBag
    /// Collects the templates of the case being parsed (see `Case.templates`).
    let collector = TemplateCollector()

    func error(_ code: DiagnosticCode, _ message: String, _ node: YAMLNode, hint: String? = nil) {
        bag.report(code, message, at: node.position, length: node.displayLength, hint: hint)
    }

    func warning(_ code: DiagnosticCode, _ message: String, _ node: YAMLNode, hint: String? = nil) {
        bag.report(code, message, at: node.position, length: node.displayLength, severity: .warning, hint: hint)
    }

    func typeError(_ node: YAMLNode, expected: String, what: String, hint: String? = nil) {
        error(.type, "\(what) must be \(expected), found \(node.kindName)", node, hint: hint)
    }

    /// The pairs of a mapping, after reporting keys that are not in `allowed`.
    /// In such a mapping of fixed keys (any level of a plan or the suite config), keys starting
    /// with `x-` are allowed and left out of the result: a place for anchors (`x-common: &common
    /// ...`), as in Compose files (spec §7). Free-form mappings (`allowed` nil: vars, headers,
    /// bodies) keep them, since there they are data.
    func mapping(_ node: YAMLNode, what: String, allowed: [String]? = nil, hint: String? = nil) -> [YAMLPair]? {
        guard var pairs = node.pairs else {
            typeError(node, expected: "a mapping", what: what, hint: hint)
            return nil
        }
        if let allowed {
            pairs.removeAll { $0.key.scalar?.hasPrefix("x-") == true }
            for p in pairs {
                guard let k = p.key.scalar else {
                    error(.type, "keys of \(what) must be strings", p.key)
                    continue
                }
                if !allowed.contains(k) {
                    let suggestion = Suggestions.hint(for: k, in: allowed)
                    error(.unknownKey, "unknown key '\(k)' in \(what)", p.key,
                          hint: suggestion ?? "allowed here: \(allowed.joined(separator: ", "))")
                }
            }
        }
        return pairs
    }

    func string(_ node: YAMLNode, what: String) -> String? {
        switch node.value {
        case .scalar(let s, _):
            if node.resolved == .null {
                typeError(node, expected: "a string", what: what)
                return nil
            }
            return s
        default:
            typeError(node, expected: "a string", what: what)
            return nil
        }
    }

    func bool(_ node: YAMLNode, what: String) -> Bool? {
        if case .bool(let b) = node.resolved, node.scalar != nil { return b }
        typeError(node, expected: "true or false", what: what)
        return nil
    }

    func int(_ node: YAMLNode, what: String, min: Int? = nil) -> Int? {
        guard node.scalar != nil, case .int(let i) = node.resolved else {
            typeError(node, expected: "a whole number", what: what)
            return nil
        }
        if let min, i < min {
            error(.invalidValue, "\(what) must be at least \(min), found \(i)", node)
            return nil
        }
        return i
    }

    func number(_ node: YAMLNode, what: String) -> Double? {
        if node.scalar != nil {
            switch node.resolved {
            case .int(let i): return Double(i)
            case .float(let d): return d
            default: break
            }
        }
        typeError(node, expected: "a number", what: what)
        return nil
    }

    func duration(_ node: YAMLNode, what: String) -> Duration? {
        guard let s = node.scalar, node.pairs == nil else {
            typeError(node, expected: "a duration such as 500ms or 10s", what: what)
            return nil
        }
        if let d = DurationParser.parse(s) { return d }
        let hint: String
        if DurationParser.exceedsMaximum(s) {
            hint = "a duration is at most \(DurationParser.maximumHours)h"
        } else if case .int(let n) = node.resolved {
            hint = "add a unit: \(n)ms, \(n)s, \(n)m or \(n)h"
        } else {
            hint = "write a number and a unit: ms, s, m or h (e.g. 250ms, 1.5s, 15m)"
        }
        error(.duration, "invalid duration '\(s)' for \(what)", node, hint: hint)
        return nil
    }

    func stringList(_ node: YAMLNode, what: String) -> [Located<String>] {
        guard let items = node.items else {
            let hint = node.scalar.map { "write a list: [\($0)]" }
            typeError(node, expected: "a list of strings", what: what, hint: hint)
            return []
        }
        return items.compactMap { item in string(item, what: "an item of \(what)").map { Located($0, at: item.position) } }
    }

    // MARK: templates

    /// The position of a character offset inside a scalar, as exactly as the style allows.
    func position(in node: YAMLNode, offset: Int) -> SourcePosition {
        guard case .scalar(let s, let style) = node.value else { return node.position }
        // Scan the prefix as bytes: this runs for every template expression of a suite.
        var chars = 0, sawNewline = false, sawEscape = false
        for b in s.utf8 {
            if chars >= offset { break }
            if b & 0xC0 != 0x80 { chars += 1 }  // count characters by their first byte
            if b == 10 { sawNewline = true }
            if b == 92 || b == 39 { sawEscape = true }  // '\' or '\''
        }
        if sawNewline { return node.position }
        switch style {
        case .plain: return node.position.advanced(by: offset)
        case .singleQuoted, .doubleQuoted:
            // Escapes shift columns; fall back to the scalar start when there may be any.
            return sawEscape ? node.position : node.position.advanced(by: offset + 1)
        case .literal, .folded: return node.position
        }
    }

    func template(_ node: YAMLNode, what: String) -> Template? {
        guard let s = string(node, what: what) else { return nil }
        return template(s, node: node)
    }

    func template(_ s: String, node: YAMLNode, offset: Int = 0) -> Template? {
        switch TemplateParser.parse(s) {
        case .success(var t):
            for case .expression(_, let at) in t.parts {
                t.positions.append(position(in: node, offset: offset + at))
            }
            if collector.active && !t.isLiteral { collector.items.append((t, node.position)) }
            return t
        case .failure(let e):
            bag.report(.template, e.message, at: position(in: node, offset: offset + e.offset), hint: e.hint)
            return nil
        }
    }

    /// Any YAML value as a JSON-shaped value whose strings are templates.
    func valueTemplate(_ node: YAMLNode) -> ValueTemplate {
        switch node.value {
        case .scalar(let s, _):
            switch node.resolved {
            case .null: return .null
            case .bool(let b): return .bool(b)
            case .int(let i): return .number(Double(i))
            case .float(let d): return .number(d)
            case .string: return template(s, node: node).map { .string($0) } ?? .string(Template(literal: s))
            }
        case .sequence(let items): return .array(items.map(valueTemplate))
        case .mapping(let pairs):
            return .object(pairs.map { (($0.key.scalar ?? ""), valueTemplate($0.value)) })
        }
    }

    /// `name: template` maps (headers, query, form).
    func templateMap(_ node: YAMLNode, what: String) -> [(String, Template)] {
        guard let pairs = mapping(node, what: what) else { return [] }
        var out: [(String, Template)] = []
        for p in pairs {
            guard let k = string(p.key, what: "a key of \(what)") else { continue }
            if p.value.pairs != nil || p.value.items != nil {
                typeError(p.value, expected: "a string, number or boolean", what: "'\(k)' in \(what)")
                continue
            }
            if let t = template(p.value.scalar ?? "", node: p.value) { out.append((k, t)) }
        }
        return out
    }

    func vars(_ node: YAMLNode, what: String) -> [(String, ValueTemplate)] {
        guard let pairs = mapping(node, what: what) else { return [] }
        var out: [(String, ValueTemplate)] = []
        for p in pairs {
            guard let k = string(p.key, what: "a variable name") else { continue }
            if !k.allSatisfy(TemplateParser.isNameChar) || k.contains(".") {
                error(.invalidValue, "variable name '\(k)' may only hold letters, digits, '_' and '-'", p.key)
                continue
            }
            out.append((k, valueTemplate(p.value)))
        }
        return out
    }

    // MARK: regexes and paths

    func regex(_ node: YAMLNode, what: String) -> RegexSource? {
        guard let t = template(node, what: what) else { return nil }
        if let pattern = t.literalValue, let message = RegexStore.shared.error(for: pattern) {
            error(.regex, "invalid regex for \(what): \(message)", node,
                  hint: "the syntax is Swift Regex; escape literal characters such as '.', '(' and '?' with '\\'")
            return nil
        }
        return RegexSource(pattern: t, position: node.position)
    }

    func jsonPath(_ text: String, node: YAMLNode, what: String) -> JSONPath? {
        if let at = Self.pastNestingLimit(text) {
            bag.report(.tooDeep, "a JSONPath in \(what) nests more than \(YAMLLoader.maxDepth) levels deep",
                       at: position(in: node, offset: at), hint: "flatten the filter; Rehearse reads at most \(YAMLLoader.maxDepth) levels")
            return nil
        }
        do {
            return try JSONPath(text)
        } catch {
            bag.report(.jsonPath, "invalid JSONPath '\(text)' in \(what): \(error.message)",
                       at: position(in: node, offset: error.offset), hint: error.hint)
            return nil
        }
    }
}

extension ParseContext {
    /// The character offset where a JSONPath's brackets, parentheses and `!`s nest past
    /// `YAMLLoader.maxDepth`, or nil. The JSONPath parser and evaluator recurse per level, so
    /// the plan's nesting limit applies inside paths too, checked before they are parsed.
    static func pastNestingLimit(_ text: String) -> Int? {
        let chars = Array(text)
        var depth = 0, negations = 0
        var quote: Character?
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if let q = quote {
                if c == "\\" { i += 1 } else if c == q { quote = nil }
            } else {
                switch c {
                case "'", "\"": quote = c
                case "(", "[": depth += 1
                case ")", "]": depth -= 1
                case "!" where i + 1 == chars.count || chars[i + 1] != "=": negations += 1  // not `!=`
                default: break
                }
                if depth + negations > YAMLLoader.maxDepth { return i }
            }
            i += 1
        }
        return nil
    }
}

/// The templates met while parsing one case; active only between `start` and `finish`.
final class TemplateCollector {
    var active = false
    var items: [(Template, SourcePosition)] = []

    func start() {
        active = true
        items = []
    }

    func finish() -> [(Template, SourcePosition)] {
        active = false
        defer { items = [] }
        return items
    }
}
