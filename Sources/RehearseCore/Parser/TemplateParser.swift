/// Why a template string could not be parsed; `offset` is in characters from the string start.
public struct TemplateSyntaxError: Error, Sendable, Equatable {
    public var message: String
    public var offset: Int
    public var hint: String?
}

/// Parses `{{ ... }}` expressions inside strings.
public enum TemplateParser {
    /// Fast check used before parsing: most strings in a plan hold no template.
    @inline(__always)
    public static func mayContainTemplate(_ s: String) -> Bool {
        var prev: UInt8 = 0
        for b in s.utf8 {
            if b == UInt8(ascii: "{") && prev == UInt8(ascii: "{") { return true }
            prev = b
        }
        return false
    }

    public static func parse(_ source: String) -> Result<Template, TemplateSyntaxError> {
        guard mayContainTemplate(source) else { return .success(Template(literal: source)) }
        let chars = Array(source)
        var parts: [Template.Part] = []
        var literal = ""
        var i = 0
        while i < chars.count {
            if chars[i] == "{", i + 1 < chars.count, chars[i + 1] == "{" {
                guard let close = findClose(chars, from: i + 2) else {
                    return .failure(TemplateSyntaxError(message: "'{{' is never closed", offset: i,
                                                        hint: "close the expression with '}}'"))
                }
                if !literal.isEmpty { parts.append(.literal(literal)); literal = "" }
                switch parseExpression(chars, from: i + 2, to: close) {
                case .success(let (expr, offset)): parts.append(.expression(expr, offset: offset))
                case .failure(let e): return .failure(e)
                }
                i = close + 2
            } else {
                literal.append(chars[i])
                i += 1
            }
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        return .success(Template(source: source, parts: parts))
    }

    private static func findClose(_ c: [Character], from: Int) -> Int? {
        var i = from
        var quote: Character?
        while i + 1 < c.count {
            if let q = quote {
                if c[i] == q { quote = nil }
            } else if c[i] == "'" || c[i] == "\"" {
                quote = c[i]
            } else if c[i] == "}" && c[i + 1] == "}" {
                return i
            }
            i += 1
        }
        return nil
    }

    static func isNameChar(_ ch: Character) -> Bool {
        ch.isASCII && (ch.isLetter || ch.isNumber || ch == "_" || ch == "-")
    }

    private static func parseExpression(_ c: [Character], from: Int, to end: Int)
        -> Result<(TemplateExpression, Int), TemplateSyntaxError>
    {
        var i = from
        func skipSpace() { while i < end, c[i] == " " || c[i] == "\t" { i += 1 } }
        func fail(_ m: String, _ at: Int, _ hint: String? = nil) -> Result<(TemplateExpression, Int), TemplateSyntaxError> {
            .failure(TemplateSyntaxError(message: m, offset: at, hint: hint))
        }
        skipSpace()
        let start = i
        guard i < end else {
            return fail("empty '{{ }}'", from - 2, "put a variable name or a function call inside, e.g. {{ base_url }}")
        }
        var segments: [String] = []
        var current = ""
        while i < end, isNameChar(c[i]) || c[i] == "." {
            if c[i] == "." {
                if current.isEmpty { return fail("empty name segment", i) }
                segments.append(current)
                current = ""
            } else {
                current.append(c[i])
            }
            i += 1
        }
        if current.isEmpty {
            if i < end, !isNameChar(c[i]) && c[i] != "." && segments.isEmpty {
                return fail("unexpected '\(c[i])' in template", i,
                            "templates hold a name (`{{ base_url }}`) or a function call (`{{ uuid() }}`)")
            }
            return fail("a name cannot end with '.'", i - 1)
        }
        segments.append(current)
        skipSpace()
        if i < end, c[i] == "(" {
            guard segments.count == 1 else { return fail("a function name has no dots", start) }
            i += 1
            var args: [TemplateArgument] = []
            skipSpace()
            while i < end, c[i] != ")" {
                if c[i] == "'" || c[i] == "\"" {
                    let q = c[i]
                    var s = ""
                    i += 1
                    while i < end, c[i] != q { s.append(c[i]); i += 1 }
                    guard i < end else { return fail("unclosed string argument", i) }
                    i += 1
                    args.append(.string(s))
                } else {
                    var num = ""
                    let at = i
                    while i < end, c[i] == "-" || c[i] == "." || c[i].isNumber { num.append(c[i]); i += 1 }
                    guard let d = Double(num) else {
                        return fail("function arguments are numbers or quoted strings", at)
                    }
                    args.append(.number(d))
                }
                skipSpace()
                if i < end, c[i] == "," { i += 1; skipSpace() } else if i < end, c[i] != ")" {
                    return fail("expected ',' or ')' in the argument list", i)
                }
            }
            guard i < end else { return fail("expected ')' to close the argument list", end) }
            i += 1
            skipSpace()
            guard i == end else { return fail("unexpected text after the function call", i) }
            return .success((.call(segments[0], args), start))
        }
        guard i == end else {
            return fail("unexpected '\(c[i])' in template", i,
                        "templates hold one name or one function call; filters and operators are not supported")
        }
        return .success((.name(segments), start))
    }
}
