// Messages for failures whose plain keyword result would be unhelpful: `anyOf`/`oneOf` with no
// matching branch, `oneOf` with several, `not`, and unknown keys. They read the failed branches to
// say what the author most likely meant, because "does not match anyOf" helps nobody fix a file.

extension SchemaEvaluator {
    /// Failures for an `anyOf`/`oneOf` that no branch satisfied.
    ///
    /// Branches that fail on `type` at this very location are not what the author was writing, so
    /// when exactly one branch has the right type its own failures are the best explanation.
    func noMatch(_ keyword: String, _ results: [(node: Int, result: SchemaEvaluation)], _ v: JSONValue,
                 _ path: String) -> [SchemaFailure] {
        func wrongType(_ f: SchemaFailure) -> Bool { f.path == path && f.keyword == "type" }
        let fitting = results.filter { !$0.result.failures.contains(where: wrongType) }
        if fitting.count == 1 { return fitting[0].result.failures }
        if fitting.isEmpty {
            var expected: [String] = []
            for f in results.flatMap({ $0.result.failures }) where wrongType(f) {
                for t in f.expectedTypes where !expected.contains(t) { expected.append(t) }
            }
            if expected.contains("number") { expected.removeAll { $0 == "integer" } }
            let message = expected.isEmpty ? "\(SchemaText.describe(v)) matches none of the allowed forms"
                : "expected \(SchemaText.or(expected)), got \(v.schemaTypeName)"
            return [SchemaFailure(path: path, keyword: "type", message: message, expectedTypes: expected)]
        }
        // Alternatives that differ only in which keys are required: name the keys.
        let onlyMissingKeys = fitting.allSatisfy { r in r.result.failures.allSatisfy { $0.path == path && !$0.keys.isEmpty } }
        if onlyMissingKeys {
            let options = fitting.map { r in r.result.failures.flatMap(\.keys).map { "'\($0)'" }.joined(separator: " and ") }
            return [SchemaFailure(path: path, keyword: keyword, message: "needs \(SchemaText.or(options))")]
        }
        let reasons = fitting.prefix(3).compactMap { $0.result.failures.first.map(Self.located) } + (fitting.count > 3 ? ["..."] : [])
        return [SchemaFailure(path: path, keyword: keyword,
                              message: "matches none of the allowed forms (\(reasons.joined(separator: "; or ")))")]
    }

    private static func located(_ f: SchemaFailure) -> String { f.path.isEmpty ? f.message : "\(f.path): \(f.message)" }

    /// The message for a `oneOf` that more than one branch satisfied.
    func severalMatch(_ branches: [Int], _ v: JSONValue) -> String {
        if case .object(let o) = v {
            let keys = branches.map(requiredKeys)
            if keys.allSatisfy({ !$0.isEmpty }) {
                var present: [String] = []
                for k in keys.joined() where o[k] != nil && !present.contains(k) { present.append(k) }
                if present.count > 1 { return "\(SchemaText.and(present.map { "'\($0)'" })) cannot be used together" }
            }
        }
        let numbers = branches.compactMap { b in nodes[b].location.split(separator: "/").last.map(String.init) }
        return "matches more than one of the allowed forms (\(SchemaText.and(numbers.map { "#\($0)" })))"
    }

    /// The message for a value that matched a `not` schema, naming the forbidden keys when that is
    /// what the schema is about (`not: {required: [json, body]}`).
    func notMessage(_ s: Int, _ v: JSONValue) -> String {
        let n = nodes[s]
        if n.constant == true { return "no value is allowed here" }
        if case .object(let o) = v {
            var candidates: [[String]] = []
            if n.keywords == ["required"] { candidates = [n.required] }
            if n.keywords == ["anyOf"] || n.keywords == ["oneOf"] {
                candidates = (n.anyOf + n.oneOf).filter { nodes[$0].keywords == ["required"] }.map { nodes[$0].required }
            }
            if let keys = candidates.first(where: { !$0.isEmpty && $0.allSatisfy { o[$0] != nil } }) {
                return keys.count == 1 ? "key '\(keys[0])' is not allowed here"
                    : "\(SchemaText.and(keys.map { "'\($0)'" })) cannot be used together"
            }
        }
        if n.keywords == ["type"], let types = n.types { return "must not be \(SchemaText.or(types))" }
        if n.keywords == ["const"] || n.keywords == ["enum"] { return "\(SchemaText.describe(v)) is not allowed here" }
        return "matches a form that is not allowed here"
    }

    /// `required` of a branch, looking through a `$ref` that is the branch's only keyword.
    private func requiredKeys(_ index: Int) -> [String] {
        let n = nodes[index]
        if n.required.isEmpty, n.keywords == ["$ref"], let r = n.ref { return nodes[r].required }
        return n.required
    }

    func unknownKeyMessage(_ key: String, _ n: SchemaNode) -> String {
        var known: Set<String> = []
        var visited: Set<Int> = []
        for s in [n.ref, n.ifSchema, n.thenSchema, n.elseSchema].compactMap({ $0 }) + n.allOf + n.anyOf + n.oneOf {
            collectKeys(s, into: &known, visited: &visited)
        }
        known.formUnion(n.properties.keys)
        // Stricter than `Suggestions.closest`: for a key, a wrong guess ("foo" → "not") misleads more
        // than no guess.
        let guesses = known.sorted().map { ($0, Suggestions.distance(key.lowercased(), $0.lowercased())) }
            .filter { $0.1 <= max(1, key.count / 3) }
        if key.count > 2, let guess = guesses.min(by: { $0.1 < $1.1 }) { return "unknown key '\(key)'; did you mean '\(guess.0)'?" }
        return "unknown key '\(key)'"
    }

    /// Property names a schema defines at the same instance location, through `$ref` and combinators.
    private func collectKeys(_ index: Int, into keys: inout Set<String>, visited: inout Set<Int>) {
        guard visited.count < 64, visited.insert(index).inserted else { return }
        let n = nodes[index]
        keys.formUnion(n.properties.keys)
        for s in [n.ref, n.thenSchema, n.elseSchema].compactMap({ $0 }) + n.allOf + n.anyOf + n.oneOf {
            collectKeys(s, into: &keys, visited: &visited)
        }
    }
}

/// Wording shared by the validator's messages.
enum SchemaText {
    /// A value as a message quotes it: strings in quotes, short JSON as is, long JSON by kind.
    static func describe(_ v: JSONValue) -> String {
        switch v {
        case .string(let s):
            return s.count > 40 ? "'\(s.prefix(37))...'" : "'\(s)'"
        case .array, .object:
            let text = v.jsonText
            return text.count > 40 ? (v.typeName == "array" ? "an array" : "an object") : text
        default:
            return v.jsonText
        }
    }

    static func plural(_ n: Int, _ noun: String) -> String { n == 1 ? "1 \(noun)" : "\(n) \(noun)s" }

    static func or(_ items: [String]) -> String { join(items, "or") }

    static func and(_ items: [String]) -> String { join(items, "and") }

    private static func join(_ items: [String], _ conjunction: String) -> String {
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " \(conjunction) " + items.last!
    }
}
