/// Recursive-descent parser for RFC 9535 over the UTF-8 bytes of the path.
///
/// Lint parses tens of thousands of paths per run, so the parser borrows the string's own
/// storage, moves an index, and creates Strings only for names and string literals. Offsets
/// are bytes while parsing and are converted to Characters once, when an error leaves.
struct PathParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var pos = 0

    static let rootHint = "JSONPath starts with `$`, e.g. `$.id`"
    static let selectorHint = "selectors look like ['name'], [0], [-1], [*], [1:3] or [?@.x]"
    /// I-JSON's exact integer range, which RFC 9535 requires of indices and slice bounds.
    static let maxInteger = 9_007_199_254_740_991

    static func parse(_ text: String) throws(JSONPathError) -> PathQuery {
        var storage = text
        // `withUTF8` cannot carry a typed error out, so the outcome travels as a Result.
        let outcome: Result<PathQuery, JSONPathError> = storage.withUTF8 { buffer in
            var parser = PathParser(bytes: buffer)
            do throws(JSONPathError) { return .success(try parser.parseRootQuery()) } catch { return .failure(error) }
        }
        switch outcome {
        case .success(let query):
            return query
        case .failure(let error):
            let prefix = text.utf8.prefix(error.offset)
            let characters = String(decoding: prefix, as: UTF8.self).count
            throw JSONPathError(message: error.message, offset: characters, hint: error.hint)
        }
    }

    // MARK: Queries and segments

    mutating func parseRootQuery() throws(JSONPathError) -> PathQuery {
        guard let first = peek() else { throw fail(0, "empty path", hint: Self.rootHint) }
        guard first == ascii("$") else {
            throw fail(0, "expected '$' at the start of the path", hint: Self.rootHint)
        }
        pos = 1
        let segments = try parseSegments()
        if pos < bytes.count { throw trailingError() }
        return PathQuery(isRelative: false, segments: segments)
    }

    /// `*(S segment)`: whitespace belongs to the query only when a segment follows it, so it is
    /// given back otherwise (it may separate an operator in a filter).
    mutating func parseSegments() throws(JSONPathError) -> [PathSegment] {
        var segments: [PathSegment] = []
        while true {
            let save = pos
            skipWhitespace()
            guard let c = peek(), c == ascii(".") || c == ascii("[") else {
                pos = save
                return segments
            }
            segments.append(try parseSegment())
        }
    }

    private mutating func parseSegment() throws(JSONPathError) -> PathSegment {
        if peek() == ascii("[") {
            return PathSegment(isDescendant: false, selectors: try parseBracketedSelection())
        }
        pos += 1
        if peek() == ascii(".") {
            pos += 1
            guard let c = peek() else {
                throw fail(pos, "expected a member name, '*' or '[' after '..'", hint: "e.g. $..id or $..[0]")
            }
            if c == ascii("[") { return PathSegment(isDescendant: true, selectors: try parseBracketedSelection()) }
            if c == ascii("*") {
                pos += 1
                return PathSegment(isDescendant: true, selectors: [.wildcard])
            }
            if isNameFirst(c) { return PathSegment(isDescendant: true, selectors: [.name(parseShorthandName())]) }
            throw fail(pos, "expected a member name, '*' or '[' after '..'", hint: dotHint(c))
        }
        guard let c = peek() else {
            throw fail(pos, "expected a member name or '*' after '.'", hint: "remove the trailing '.' or add a name, e.g. $.id")
        }
        if c == ascii("*") {
            pos += 1
            return PathSegment(isDescendant: false, selectors: [.wildcard])
        }
        if isNameFirst(c) { return PathSegment(isDescendant: false, selectors: [.name(parseShorthandName())]) }
        throw fail(pos, "expected a member name or '*' after '.'", hint: dotHint(c))
    }

    private func dotHint(_ c: UInt8) -> String {
        if isDigit(c) { return "names after '.' cannot start with a digit; use $[0] for an index or $['0'] for a member" }
        if c == ascii("[") { return "drop the '.' before '['" }
        if c == ascii("'") || c == ascii("\"") { return "quoted names go in brackets: $['name']" }
        if isWhitespace(c) { return "no space is allowed after '.'" }
        return "use brackets for names with other characters: $['a b']"
    }

    /// Member-name shorthand; the caller has checked the first byte. Non-ASCII bytes all count
    /// as name characters, and a valid String holds only whole, non-surrogate scalars.
    private mutating func parseShorthandName() -> String {
        let start = pos
        pos += 1
        while let c = peek(), isNameFirst(c) || isDigit(c) || c == ascii("-") { pos += 1 }
        return string(start, pos)
    }

    private mutating func trailingError() -> JSONPathError {
        let whitespaceStart = pos
        skipWhitespace()
        guard let c = peek() else {
            return fail(whitespaceStart, "unexpected whitespace at the end of the path", hint: "remove it")
        }
        if pos > whitespaceStart, isNameFirst(c) || isDigit(c) {
            return fail(pos, "unexpected \(describe(c)) after whitespace", hint: "quote member names that contain spaces: $['a b']")
        }
        if c == ascii("]") { return fail(pos, "unexpected ']' without a matching '['") }
        if pos == 1, isNameFirst(c) { return fail(pos, "expected '.' or '[' after '$'", hint: "write `$.name`") }
        return fail(pos, "unexpected \(describe(c)); expected '.', '..' or '['")
    }

    // MARK: Bracketed selections

    private mutating func parseBracketedSelection() throws(JSONPathError) -> [PathSelector] {
        pos += 1
        skipWhitespace()
        var selectors = [try parseSelector(after: "'['")]
        while true {
            skipWhitespace()
            guard let c = peek() else { throw fail(pos, "expected ']' to close the bracket selector") }
            if c == ascii("]") {
                pos += 1
                return selectors
            }
            guard c == ascii(",") else {
                throw fail(pos, "expected ',' or ']' after a selector, found \(describe(c))")
            }
            pos += 1
            skipWhitespace()
            selectors.append(try parseSelector(after: "','"))
        }
    }

    private mutating func parseSelector(after context: String) throws(JSONPathError) -> PathSelector {
        guard let c = peek() else { throw fail(pos, "expected a selector after \(context)", hint: Self.selectorHint) }
        switch c {
        case ascii("'"), ascii("\""):
            return .name(try parseStringLiteral())
        case ascii("*"):
            pos += 1
            return .wildcard
        case ascii("?"):
            pos += 1
            skipWhitespace()
            return .filter(try parseFilter())
        case ascii("-"), ascii(":"), ascii("0")...ascii("9"):
            return try parseIndexOrSlice()
        default:
            if isNameFirst(c) {
                throw fail(pos, "member names in brackets must be quoted", hint: "write ['name'], or $.name")
            }
            throw fail(pos, "expected a selector after \(context), found \(describe(c))", hint: Self.selectorHint)
        }
    }

    private mutating func parseIndexOrSlice() throws(JSONPathError) -> PathSelector {
        var start: Int?
        if peek() != ascii(":") { start = try parseInteger() }
        let save = pos
        skipWhitespace()
        guard peek() == ascii(":") else {
            pos = save
            return .index(start!)
        }
        pos += 1
        skipWhitespace()
        var end: Int?, step: Int?
        if let c = peek(), c == ascii("-") || isDigit(c) {
            end = try parseInteger()
            skipWhitespace()
        }
        if peek() == ascii(":") {
            pos += 1
            skipWhitespace()
            if let c = peek(), c == ascii("-") || isDigit(c) { step = try parseInteger() }
        }
        return .slice(start: start, end: end, step: step)
    }

    /// RFC `int`: no leading zeros, no `-0`, within I-JSON range.
    private mutating func parseInteger() throws(JSONPathError) -> Int {
        let start = pos
        let negative = peek() == ascii("-")
        if negative { pos += 1 }
        guard let first = peek(), isDigit(first) else {
            throw fail(pos, negative ? "expected a digit after '-'" : "expected an integer")
        }
        if first == ascii("0") {
            pos += 1
            if let c = peek(), isDigit(c) { throw fail(start, "leading zeros are not allowed in integers") }
            if negative { throw fail(start, "'-0' is not a valid integer here", hint: "write 0") }
            return 0
        }
        var value = 0
        while let c = peek(), isDigit(c) {
            // Keeps consuming after overflow so the error covers the number, not a digit in it.
            if value <= Self.maxInteger { value = value * 10 + Int(c &- ascii("0")) }
            pos += 1
        }
        if value > Self.maxInteger {
            throw fail(start, "integer out of range", hint: "indices and slice bounds must be within ±(2^53-1)")
        }
        return negative ? -value : value
    }

    // MARK: String literals

    /// A single- or double-quoted string with RFC escapes; `pos` is on the opening quote.
    mutating func parseStringLiteral() throws(JSONPathError) -> String {
        let open = pos
        let quote = bytes[pos]
        pos += 1
        let contentStart = pos
        // Most names have no escapes: slice them straight out of the buffer.
        while let c = peek() {
            if c == quote {
                pos += 1
                return string(contentStart, pos - 1)
            }
            if c == ascii("\\") { break }
            if c < 0x20 { throw controlCharacterError() }
            pos += 1
        }
        guard pos < bytes.count else { throw unterminated(open, quote) }
        var decoded = Array(UnsafeBufferPointer(rebasing: bytes[contentStart..<pos]))
        while let c = peek() {
            if c == quote {
                pos += 1
                return String(decoding: decoded, as: UTF8.self)
            }
            if c < 0x20 { throw controlCharacterError() }
            if c == ascii("\\") {
                try parseEscape(quote: quote, into: &decoded)
            } else {
                decoded.append(c)
                pos += 1
            }
        }
        throw unterminated(open, quote)
    }

    private func unterminated(_ open: Int, _ quote: UInt8) -> JSONPathError {
        let q = quote == ascii("'") ? "'" : "\""
        return fail(open, "unterminated string", hint: "close it with a matching \(q)")
    }

    private func controlCharacterError() -> JSONPathError {
        fail(pos, "control characters must be escaped in strings", hint: "use \\n, \\t or \\u00XX")
    }

    private mutating func parseEscape(quote: UInt8, into out: inout [UInt8]) throws(JSONPathError) {
        let backslash = pos
        pos += 1
        guard let c = peek() else { throw fail(backslash, "incomplete escape sequence") }
        pos += 1
        switch c {
        case ascii("b"): out.append(0x08)
        case ascii("f"): out.append(0x0C)
        case ascii("n"): out.append(0x0A)
        case ascii("r"): out.append(0x0D)
        case ascii("t"): out.append(0x09)
        case ascii("/"), ascii("\\"), quote: out.append(c)
        case ascii("u"):
            let scalar = try parseUnicodeEscape(backslash)
            UTF8.encode(scalar) { out.append($0) }
        default:
            let hint = c == ascii("'") || c == ascii("\"")
                ? "this quote needs no escape inside a string delimited by the other quote"
                : "valid escapes: \\b \\f \\n \\r \\t \\/ \\\\ \\' (in '…') \\\" (in \"…\") \\uXXXX"
            throw fail(backslash, "invalid escape sequence", hint: hint)
        }
    }

    /// `\uXXXX`, with a UTF-16 surrogate pair spelled as two escapes; `pos` is after the `u`.
    private mutating func parseUnicodeEscape(_ backslash: Int) throws(JSONPathError) -> Unicode.Scalar {
        let high = try parseHex4(backslash)
        if (0xDC00...0xDFFF).contains(high) {
            throw fail(backslash, "unpaired low surrogate in '\\u' escape")
        }
        guard (0xD800...0xDBFF).contains(high) else { return Unicode.Scalar(high)! }
        let second = pos
        guard peek() == ascii("\\"), byte(at: pos + 1) == ascii("u") else {
            throw fail(backslash, "high surrogate must be followed by a '\\u' low surrogate")
        }
        pos += 2
        let low = try parseHex4(second)
        guard (0xDC00...0xDFFF).contains(low) else {
            throw fail(second, "expected a low surrogate after the high surrogate")
        }
        return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))!
    }

    private mutating func parseHex4(_ backslash: Int) throws(JSONPathError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let c = peek(), let digit = hexValue(c) else {
                throw fail(backslash, "expected four hex digits after '\\u'")
            }
            value = value << 4 | digit
            pos += 1
        }
        return value
    }

    // MARK: Bytes

    @inline(__always) func peek() -> UInt8? { pos < bytes.count ? bytes[pos] : nil }
    @inline(__always) func byte(at i: Int) -> UInt8? { i < bytes.count ? bytes[i] : nil }

    /// RFC `B`: space, tab, line feed, carriage return.
    @inline(__always) mutating func skipWhitespace() {
        while let c = peek(), isWhitespace(c) { pos += 1 }
    }

    func string(_ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
    }

    func fail(_ offset: Int, _ message: String, hint: String? = nil) -> JSONPathError {
        JSONPathError(message: message, offset: offset, hint: hint)
    }

    /// How a byte reads in a message; non-ASCII text is not split mid-character.
    func describe(_ c: UInt8) -> String {
        switch c {
        case ascii(" "): return "space"
        case 0x21...0x7E: return "'\(Character(Unicode.Scalar(c)))'"
        default: return "character"
        }
    }
}

// Character classes as members rather than globals, so they cannot collide elsewhere in the module.
extension PathParser {
    @inline(__always) func ascii(_ s: Unicode.Scalar) -> UInt8 { UInt8(ascii: s) }
    @inline(__always) func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    @inline(__always) func isWhitespace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }
    /// RFC `name-first`: ALPHA, `_`, or any non-ASCII scalar.
    @inline(__always) func isNameFirst(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c >= 0x80
    }
    @inline(__always) func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case 0x30...0x39: return UInt32(c - 0x30)
        case 0x41...0x46: return UInt32(c - 0x41 + 10)
        case 0x61...0x66: return UInt32(c - 0x61 + 10)
        default: return nil
        }
    }
}
