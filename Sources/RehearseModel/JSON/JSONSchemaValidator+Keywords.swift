extension SchemaEvaluator {
    /// False when the value has none of the `type`s (the failure is recorded).
    func checkType(_ n: SchemaNode, _ v: JSONValue, _ path: String, _ e: inout SchemaEvaluation) -> Bool {
        guard let types = n.types else { return true }
        let actual = v.schemaTypeName
        if types.contains(actual) || (actual == "integer" && types.contains("number")) { return true }
        e.failures.append(SchemaFailure(path: path, keyword: "type", message: "expected \(SchemaText.or(types)), got \(actual)",
                                        expectedTypes: types))
        return false
    }

    func checkValue(_ n: SchemaNode, _ v: JSONValue, _ path: String, _ e: inout SchemaEvaluation) {
        if let allowed = n.enumValues, !allowed.contains(v) {
            let shown = allowed.prefix(16).map { $0.stringValue ?? $0.jsonText }.joined(separator: ", ")
            e.fail(path, "enum", "\(SchemaText.describe(v)) is not one of: \(shown)\(allowed.count > 16 ? ", ..." : "")")
        }
        if let c = n.constValue, c != v {
            e.fail(path, "const", "expected \(SchemaText.describe(c)), got \(SchemaText.describe(v))")
        }
    }

    func checkNumber(_ n: SchemaNode, _ d: Double, _ path: String, _ e: inout SchemaEvaluation) {
        let shown = JSONValue.formatNumber(d)
        if let m = n.multipleOf {
            // Decimal multiples (0.01) are not exact in binary; a quotient this close to whole is one.
            let q = d / m
            if !q.isFinite || abs(q - q.rounded()) > 1e-9 * max(1, abs(q)) {
                e.fail(path, "multipleOf", "\(shown) is not a multiple of \(JSONValue.formatNumber(m))")
            }
        }
        let f = JSONValue.formatNumber
        if let m = n.maximum, d > m { e.fail(path, "maximum", "\(shown) is greater than the maximum \(f(m))") }
        if let m = n.exclusiveMaximum, d >= m { e.fail(path, "exclusiveMaximum", "\(shown) must be less than \(f(m))") }
        if let m = n.minimum, d < m { e.fail(path, "minimum", "\(shown) is less than the minimum \(f(m))") }
        if let m = n.exclusiveMinimum, d <= m { e.fail(path, "exclusiveMinimum", "\(shown) must be greater than \(f(m))") }
    }

    func checkString(_ n: SchemaNode, _ s: String, _ path: String, _ e: inout SchemaEvaluation) {
        // The spec counts code points, not grapheme clusters: "é" written as e + U+0301 is two.
        let length = s.unicodeScalars.count
        if let m = n.maxLength, length > m {
            e.fail(path, "maxLength", "\(SchemaText.describe(.string(s))) is longer than \(SchemaText.plural(m, "character"))")
        }
        if let m = n.minLength, length < m {
            e.fail(path, "minLength", "\(SchemaText.describe(.string(s))) is shorter than \(SchemaText.plural(m, "character"))")
        }
        if let p = n.pattern, !p.matches(s) {
            e.fail(path, "pattern", "\(SchemaText.describe(.string(s))) does not match the pattern \(p.source)")
        }
    }

    mutating func checkArray(_ n: SchemaNode, _ a: [JSONValue], _ path: String, _ e: inout SchemaEvaluation) {
        if let m = n.maxItems, a.count > m {
            e.fail(path, "maxItems", "expected at most \(SchemaText.plural(m, "item")), got \(a.count)")
        }
        if let m = n.minItems, a.count < m {
            e.fail(path, "minItems", "expected at least \(SchemaText.plural(m, "item")), got \(a.count)")
        }
        if n.uniqueItems {
            var firstIndex: [JSONValue: Int] = [:]
            for (i, v) in a.enumerated() {
                if let j = firstIndex[v] {
                    e.fail(path, "uniqueItems", "items \(j) and \(i) are equal")
                    break
                }
                firstIndex[v] = i
            }
        }
        for (i, s) in n.prefixItems.enumerated() where i < a.count {
            e.failures += evaluate(s, a[i], at: "\(path)/\(i)").failures
        }
        e.items.prefix = max(e.items.prefix, min(n.prefixItems.count, a.count))
        if let s = n.items, a.count > n.prefixItems.count {
            if nodes[s].constant == false {
                e.fail("\(path)/\(n.prefixItems.count)", "items",
                       "expected at most \(SchemaText.plural(n.prefixItems.count, "item")), got \(a.count)")
            } else {
                for i in n.prefixItems.count..<a.count {
                    e.failures += evaluate(s, a[i], at: "\(path)/\(i)").failures
                }
            }
            e.items.prefix = a.count
        }
        if let s = n.contains {
            var matching: Set<Int> = []
            for (i, v) in a.enumerated() where evaluate(s, v, at: "\(path)/\(i)").isValid { matching.insert(i) }
            e.items.indices.formUnion(matching)
            let least = n.minContains ?? 1
            if matching.count < least {
                e.fail(path, least == 1 ? "contains" : "minContains",
                       least == 1 ? "no item matches the required form"
                           : "expected at least \(SchemaText.plural(least, "item")) of the required form, found \(matching.count)")
            }
            if let most = n.maxContains, matching.count > most {
                e.fail(path, "maxContains",
                       "expected at most \(SchemaText.plural(most, "item")) of the given form, found \(matching.count)")
            }
        }
    }

    mutating func checkObject(_ n: SchemaNode, _ o: [String: JSONValue], _ path: String, _ e: inout SchemaEvaluation) {
        if let m = n.maxProperties, o.count > m {
            e.fail(path, "maxProperties", "expected at most \(SchemaText.plural(m, "key")), got \(o.count)")
        }
        if let m = n.minProperties, o.count < m {
            e.fail(path, "minProperties", "expected at least \(SchemaText.plural(m, "key")), got \(o.count)")
        }
        for key in n.required where o.value(exactly: key) == nil {
            e.failures.append(SchemaFailure(path: path, keyword: "required", message: "missing required key '\(key)'", keys: [key]))
        }
        for (key, needed) in n.dependentRequired where o.value(exactly: key) != nil {
            for other in needed where o.value(exactly: other) == nil {
                e.failures.append(SchemaFailure(path: path, keyword: "dependentRequired",
                                                message: "key '\(other)' is required when '\(key)' is present", keys: [other]))
            }
        }
        for key in o.keys.sorted() {
            let value = o[key]!
            let childPath = "\(path)/\(SchemaCompiler.escape(key))"
            var matched = false
            if let s = n.properties.value(exactly: key) {
                matched = true
                apply(s, value, childPath, keyword: "properties", key: key, to: &e, node: n)
            }
            for (p, s) in n.patternProperties where p.matches(key) {
                matched = true
                apply(s, value, childPath, keyword: "patternProperties", key: key, to: &e, node: n)
            }
            if !matched, let s = n.additionalProperties {
                matched = true
                apply(s, value, childPath, keyword: "additionalProperties", key: key, to: &e, node: n)
            }
            if matched { e.properties.insert(key) }
            if let s = n.propertyNames {
                for f in evaluate(s, .string(key), at: childPath).failures {
                    e.failures.append(SchemaFailure(path: f.path, keyword: f.keyword, message: "invalid key '\(key)': \(f.message)"))
                }
            }
        }
        for (key, s) in n.dependentSchemas where o.value(exactly: key) != nil {
            e.absorb(evaluate(s, .object(o), at: path))
        }
    }

    /// Applies a property's schema; a `false` schema gets a message about the key, not its value.
    private mutating func apply(_ s: Int, _ value: JSONValue, _ childPath: String, keyword: String, key: String,
                                to e: inout SchemaEvaluation, node: SchemaNode) {
        if nodes[s].constant == false {
            let message = keyword == "additionalProperties" ? unknownKeyMessage(key, node) : "key '\(key)' is not allowed here"
            e.fail(childPath, keyword, message)
            return
        }
        e.failures += evaluate(s, value, at: childPath).failures
    }

    mutating func applyCombinators(_ n: SchemaNode, _ v: JSONValue, _ path: String, _ e: inout SchemaEvaluation) {
        for s in n.allOf { e.absorb(evaluate(s, v, at: path)) }
        if !n.anyOf.isEmpty {
            let results = n.anyOf.map { (node: $0, result: evaluate($0, v, at: path)) }
            let passed = results.filter { $0.result.isValid }
            // Every passing branch contributes annotations, so none may be skipped after the first.
            for r in passed { e.absorbAnnotations(r.result) }
            if passed.isEmpty { e.failures += noMatch("anyOf", results, v, path) }
        }
        if !n.oneOf.isEmpty {
            let results = n.oneOf.map { (node: $0, result: evaluate($0, v, at: path)) }
            let passed = results.filter { $0.result.isValid }
            if passed.count == 1 { e.absorbAnnotations(passed[0].result) }
            if passed.isEmpty { e.failures += noMatch("oneOf", results, v, path) }
            if passed.count > 1 { e.fail(path, "oneOf", severalMatch(passed.map(\.node), v)) }
        }
        if let s = n.not, evaluate(s, v, at: path).isValid {
            e.fail(path, "not", notMessage(s, v))
        }
        if let s = n.ifSchema {
            let condition = evaluate(s, v, at: path)
            if condition.isValid {
                e.absorbAnnotations(condition)
                if let t = n.thenSchema { e.absorb(evaluate(t, v, at: path)) }
            } else if let f = n.elseSchema {
                e.absorb(evaluate(f, v, at: path))
            }
        }
    }

    mutating func checkUnevaluatedItems(_ n: SchemaNode, _ a: [JSONValue], _ path: String, _ e: inout SchemaEvaluation) {
        guard let s = n.unevaluatedItems else { return }
        for i in a.indices where !e.items.contains(i) {
            if nodes[s].constant == false {
                e.fail("\(path)/\(i)", "unevaluatedItems", "unexpected item at index \(i)")
            } else {
                e.failures += evaluate(s, a[i], at: "\(path)/\(i)").failures
            }
        }
        e.items.prefix = a.count
    }

    mutating func checkUnevaluatedProperties(_ n: SchemaNode, _ o: [String: JSONValue], _ path: String, _ e: inout SchemaEvaluation) {
        guard let s = n.unevaluatedProperties else { return }
        for key in o.keys.sorted() where !e.properties.contains(key) {
            let childPath = "\(path)/\(SchemaCompiler.escape(key))"
            if nodes[s].constant == false {
                e.fail(childPath, "unevaluatedProperties", unknownKeyMessage(key, n))
            } else {
                e.failures += evaluate(s, o[key]!, at: childPath).failures
            }
        }
        e.properties.formUnion(o.keys)
    }
}
