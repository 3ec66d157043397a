import RehearseModel
import RehearseDiagnostics

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
        // Work on bytes (the delimiters and names are ASCII); offsets are turned into character
        // offsets only for the rare string that is not ASCII.
        let b = Array(source.utf8)
        let ascii = b.allSatisfy { $0 < 0x80 }
        func charOffset(_ byteOffset: Int) -> Int {
            ascii ? byteOffset : String(decoding: b[0..<min(byteOffset, b.count)], as: UTF8.self).count
        }
        var parts: [Template.Part] = []
        var literalStart = 0
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "{"), i + 1 < b.count, b[i + 1] == UInt8(ascii: "{") {
                guard let close = findClose(b, from: i + 2) else {
                    return .failure(TemplateSyntaxError(message: "'{{' is never closed", offset: charOffset(i),
                                                        hint: "close the expression with '}}'"))
                }
                if i > literalStart { parts.append(.literal(String(decoding: b[literalStart..<i], as: UTF8.self))) }
                switch parseExpression(b, from: i + 2, to: close) {
                case .success(let (expr, offset)): parts.append(.expression(expr, offset: charOffset(offset)))
                case .failure(var e):
                    e.offset = charOffset(e.offset)
                    return .failure(e)
                }
                i = close + 2
                literalStart = i
            } else {
                i += 1
            }
        }
        if literalStart < b.count { parts.append(.literal(String(decoding: b[literalStart...], as: UTF8.self))) }
        return .success(Template(source: source, parts: parts))
    }

    private static func findClose(_ c: [UInt8], from: Int) -> Int? {
        var i = from
        var quote: UInt8?
        while i + 1 < c.count {
            if let q = quote {
                if c[i] == q { quote = nil }
            } else if c[i] == UInt8(ascii: "'") || c[i] == UInt8(ascii: "\"") {
                quote = c[i]
            } else if c[i] == UInt8(ascii: "}") && c[i + 1] == UInt8(ascii: "}") {
                return i
            }
            i += 1
        }
        return nil
    }

    static func isNameChar(_ ch: Character) -> Bool {
        ch.isASCII && (ch.isLetter || ch.isNumber || ch == "_" || ch == "-")
    }

    @inline(__always)
    static func isNameByte(_ b: UInt8) -> Bool {
        (b >= 97 && b <= 122) || (b >= 65 && b <= 90) || (b >= 48 && b <= 57) || b == 95 || b == 45
    }

    private static func parseExpression(_ c: [UInt8], from: Int, to end: Int)
        -> Result<(TemplateExpression, Int), TemplateSyntaxError>
    {
        var i = from
        func skipSpace() { while i < end, c[i] == 32 || c[i] == 9 { i += 1 } }
        func fail(_ m: String, _ at: Int, _ hint: String? = nil) -> Result<(TemplateExpression, Int), TemplateSyntaxError> {
            .failure(TemplateSyntaxError(message: m, offset: at, hint: hint))
        }
        func char(_ at: Int) -> String {
            // The (possibly multi-byte) character starting at `at`, for messages.
            var j = at + 1
            while j < end, c[j] & 0xC0 == 0x80 { j += 1 }
            return String(decoding: c[at..<j], as: UTF8.self)
        }
        skipSpace()
        let start = i
        guard i < end else {
            return fail("empty '{{ }}'", from - 2, "put a variable name or a function call inside, e.g. {{ base_url }}")
        }
        var segments: [String] = []
        var segStart = i
        while i < end, isNameByte(c[i]) || c[i] == UInt8(ascii: ".") {
            if c[i] == UInt8(ascii: ".") {
                if i == segStart { return fail("empty name segment", i) }
                segments.append(String(decoding: c[segStart..<i], as: UTF8.self))
                segStart = i + 1
            }
            i += 1
        }
        if i == segStart {
            if i < end, segments.isEmpty {
                return fail("unexpected '\(char(i))' in template", i,
                            "templates hold a name (`{{ base_url }}`) or a function call (`{{ uuid() }}`)")
            }
            return fail("a name cannot end with '.'", max(i - 1, start))
        }
        segments.append(String(decoding: c[segStart..<i], as: UTF8.self))
        skipSpace()
        if i < end, c[i] == UInt8(ascii: "(") {
            guard segments.count == 1 else { return fail("a function name has no dots", start) }
            i += 1
            var args: [TemplateArgument] = []
            skipSpace()
            while i < end, c[i] != UInt8(ascii: ")") {
                if c[i] == UInt8(ascii: "'") || c[i] == UInt8(ascii: "\"") {
                    let q = c[i]
                    i += 1
                    let s = i
                    while i < end, c[i] != q { i += 1 }
                    guard i < end else { return fail("unclosed string argument", s - 1) }
                    args.append(.string(String(decoding: c[s..<i], as: UTF8.self)))
                    i += 1
                } else {
                    let at = i
                    while i < end, c[i] == UInt8(ascii: "-") || c[i] == UInt8(ascii: ".") || (c[i] >= 48 && c[i] <= 57) { i += 1 }
                    guard let d = Double(String(decoding: c[at..<i], as: UTF8.self)) else {
                        return fail("function arguments are numbers or quoted strings", at)
                    }
                    args.append(.number(d))
                }
                skipSpace()
                if i < end, c[i] == UInt8(ascii: ",") {
                    i += 1
                    skipSpace()
                } else if i < end, c[i] != UInt8(ascii: ")") {
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
            return fail("unexpected '\(char(i))' in template", i,
                        "templates hold one name or one function call; filters and operators are not supported")
        }
        return .success((.name(segments), start))
    }
}
