/// A filter sub-expression whose role is not known yet. A bare literal, query or function is
/// only an error or a test once the parser sees what surrounds it: `count(@.a)` takes the query
/// as nodes, `[?@.a]` tests it, `length(@.a)` wants its value.
enum ParsedExpression {
    case logical(FilterExpression)
    case operand(FilterOperand, offset: Int)
}

/// Filter expressions (`[?...]`) and the RFC's well-typedness rules, checked while parsing so a
/// plan fails lint rather than silently selecting nothing at run time.
extension PathParser {
    /// `pos` is on the first token after `?`.
    mutating func parseFilter() throws(JSONPathError) -> FilterExpression {
        try logical(parseOr(after: "'?'"))
    }

    private mutating func parseOr(after context: String) throws(JSONPathError) -> ParsedExpression {
        let first = try parseAnd(after: context)
        var terms: [FilterExpression] = []
        while try consumeLogicalOperator(ascii("|")) {
            if terms.isEmpty { terms.append(try logical(first)) }
            terms.append(try logical(parseAnd(after: "'||'")))
        }
        return terms.isEmpty ? first : .logical(.or(terms))
    }

    private mutating func parseAnd(after context: String) throws(JSONPathError) -> ParsedExpression {
        let first = try parseBasic(after: context)
        var terms: [FilterExpression] = []
        while try consumeLogicalOperator(ascii("&")) {
            if terms.isEmpty { terms.append(try logical(first)) }
            terms.append(try logical(parseBasic(after: "'&&'")))
        }
        return terms.isEmpty ? first : .logical(.and(terms))
    }

    /// Consumes `S && S` or `S || S`; leaves `pos` alone when neither follows.
    private mutating func consumeLogicalOperator(_ c: UInt8) throws(JSONPathError) -> Bool {
        let save = pos
        skipWhitespace()
        guard peek() == c else {
            pos = save
            return false
        }
        guard byte(at: pos + 1) == c else {
            let op = c == ascii("&") ? "&&" : "||"
            throw fail(pos, "expected '\(op)'", hint: "the logical operators are '&&', '||' and '!'")
        }
        pos += 2
        skipWhitespace()
        return true
    }

    /// `paren-expr`, `test-expr` or `comparison-expr`, possibly negated.
    private mutating func parseBasic(after context: String) throws(JSONPathError) -> ParsedExpression {
        guard let c = peek() else { throw fail(pos, "expected a filter expression after \(context)") }
        if c == ascii("!") {
            pos += 1
            skipWhitespace()
            if peek() == ascii("(") { return .logical(.not(try parseParenthesized())) }
            let start = pos
            let operand = try parseOperand(after: "'!'")
            if case .literal = operand {
                throw fail(start, "'!' must be followed by a query, a function or '('")
            }
            let negated = try logical(.operand(operand, offset: start))
            let save = pos
            skipWhitespace()
            if comparisonOperatorAhead() {
                throw fail(pos, "'!' cannot negate a comparison directly", hint: "use parentheses: !(@.a == 1)")
            }
            pos = save
            return .logical(.not(negated))
        }
        if c == ascii("(") { return .logical(try parseParenthesized()) }

        let leftStart = pos
        let left = try parseOperand(after: context)
        let save = pos
        skipWhitespace()
        guard let op = try parseComparisonOperator() else {
            pos = save
            return .operand(left, offset: leftStart)
        }
        try checkComparable(left, at: leftStart)
        skipWhitespace()
        let rightStart = pos
        let right = try parseOperand(after: "'\(op.symbol)'")
        try checkComparable(right, at: rightStart)
        let afterRight = pos
        skipWhitespace()
        if comparisonOperatorAhead() {
            throw fail(pos, "comparisons cannot be chained", hint: "join them with '&&': @.a < @.b && @.b < @.c")
        }
        pos = afterRight
        return .logical(.compare(left, op, right))
    }

    private mutating func parseParenthesized() throws(JSONPathError) -> FilterExpression {
        pos += 1
        skipWhitespace()
        let inner = try logical(parseOr(after: "'('"))
        skipWhitespace()
        guard let c = peek() else { throw fail(pos, "expected ')' to close the parenthesis") }
        guard c == ascii(")") else { throw fail(pos, "expected ')', found \(describe(c))") }
        pos += 1
        return inner
    }

    private func comparisonOperatorAhead() -> Bool {
        guard let c = peek() else { return false }
        return c == ascii("=") || c == ascii("<") || c == ascii(">")
            || (c == ascii("!") && byte(at: pos + 1) == ascii("="))
    }

    private mutating func parseComparisonOperator() throws(JSONPathError) -> ComparisonOperator? {
        guard let c = peek() else { return nil }
        let followedByEquals = byte(at: pos + 1) == ascii("=")
        let op: ComparisonOperator
        switch c {
        case ascii("="):
            guard followedByEquals else { throw fail(pos, "use '==' to compare values") }
            op = .equal
        case ascii("!"):
            guard followedByEquals else { return nil }
            op = .notEqual
        case ascii("<"): op = followedByEquals ? .lessOrEqual : .less
        case ascii(">"): op = followedByEquals ? .greaterOrEqual : .greater
        default: return nil
        }
        pos += followedByEquals ? 2 : 1
        return op
    }

    // MARK: Operands

    /// A literal, a query (`@...` or `$...`) or a function call.
    private mutating func parseOperand(after context: String) throws(JSONPathError) -> FilterOperand {
        guard let c = peek() else { throw fail(pos, "expected a query, literal or function after \(context)") }
        switch c {
        case ascii("@"), ascii("$"):
            pos += 1
            return .query(PathQuery(isRelative: c == ascii("@"), segments: try parseSegments()))
        case ascii("'"), ascii("\""):
            return .literal(.string(try parseStringLiteral()))
        case ascii("-"), ascii("0")...ascii("9"):
            return .literal(.number(try parseNumber()))
        case ascii("a")...ascii("z"):
            return try parseKeywordOrFunction()
        default:
            let hint = isNameFirst(c)
                ? "quote strings ('text'), start queries with @ or $; literals are true, false and null"
                : nil
            throw fail(pos, "expected a query, literal or function after \(context), found \(describe(c))", hint: hint)
        }
    }

    private mutating func parseKeywordOrFunction() throws(JSONPathError) -> FilterOperand {
        let start = pos
        while let c = peek(), (ascii("a")...ascii("z")).contains(c) || isDigit(c) || c == ascii("_") { pos += 1 }
        let name = UnsafeBufferPointer(rebasing: bytes[start..<pos])
        if peek() == ascii("(") { return .function(try parseFunctionCall(nameStart: start)) }
        if name.elementsEqual("true".utf8) { return .literal(.bool(true)) }
        if name.elementsEqual("false".utf8) { return .literal(.bool(false)) }
        if name.elementsEqual("null".utf8) { return .literal(.null) }
        if FilterFunction(name: name) != nil {
            let gap = pos
            skipWhitespace()
            if peek() == ascii("(") { throw fail(gap, "no space is allowed between a function name and '('") }
        }
        let word = string(start, pos)
        throw fail(start, "unknown name '\(word)'",
                   hint: "quote strings ('\(word)'), start queries with @ or $, or call a function such as length(@.x)")
    }

    /// RFC `number`: `-0` is allowed here, unlike in indices.
    private mutating func parseNumber() throws(JSONPathError) -> Double {
        let start = pos
        if peek() == ascii("-") { pos += 1 }
        guard let first = peek(), isDigit(first) else { throw fail(pos, "expected a digit after '-'") }
        pos += 1
        if first == ascii("0") {
            if let c = peek(), isDigit(c) { throw fail(start, "leading zeros are not allowed in numbers") }
        } else {
            skipDigits()
        }
        if peek() == ascii(".") {
            pos += 1
            guard let c = peek(), isDigit(c) else { throw fail(pos, "expected a digit after '.'") }
            skipDigits()
        }
        if let c = peek(), c == ascii("e") || c == ascii("E") {
            pos += 1
            if let sign = peek(), sign == ascii("+") || sign == ascii("-") { pos += 1 }
            guard let c = peek(), isDigit(c) else { throw fail(pos, "expected a digit in the exponent") }
            skipDigits()
        }
        // The grammar is already checked, so the conversion cannot fail; it is exact and rare.
        return Double(string(start, pos)) ?? 0
    }

    private mutating func skipDigits() {
        while let c = peek(), isDigit(c) { pos += 1 }
    }

    // MARK: Functions and types

    /// `pos` is on the `(` after the name.
    private mutating func parseFunctionCall(nameStart: Int) throws(JSONPathError) -> FunctionCall {
        guard let function = FilterFunction(name: UnsafeBufferPointer(rebasing: bytes[nameStart..<pos])) else {
            throw fail(nameStart, "unknown function '\(string(nameStart, pos))()'",
                       hint: "the functions are length(), count(), match(), search() and value()")
        }
        let name = "\(function.rawValue)()"
        pos += 1
        skipWhitespace()
        var arguments: [(ParsedExpression, Int)] = []
        if peek() != ascii(")") {
            while true {
                let start = pos
                arguments.append((try parseOr(after: arguments.isEmpty ? "'('" : "','"), start))
                skipWhitespace()
                guard let c = peek() else { throw fail(pos, "expected ')' to close the arguments of \(name)") }
                if c == ascii(")") { break }
                guard c == ascii(",") else {
                    throw fail(pos, "expected ',' or ')' in the arguments of \(name), found \(describe(c))")
                }
                pos += 1
                skipWhitespace()
            }
        }
        pos += 1
        let parameters = function.parameters
        guard arguments.count == parameters.count else {
            let offset = arguments.count > parameters.count ? arguments[parameters.count].1 : pos - 1
            let expected = parameters.count == 1 ? "1 argument" : "\(parameters.count) arguments"
            throw fail(offset, "\(name) takes \(expected), got \(arguments.count)")
        }
        var checked: [FunctionArgument] = []
        checked.reserveCapacity(arguments.count)
        for (parameter, (argument, offset)) in zip(parameters, arguments) {
            checked.append(try convert(argument, at: offset, to: parameter, of: name))
        }
        return FunctionCall(function: function, arguments: checked)
    }

    /// RFC 9535 section 2.4.3: which argument forms each declared parameter type accepts.
    private func convert(_ argument: ParsedExpression, at offset: Int, to parameter: FunctionType,
                         of name: String) throws(JSONPathError) -> FunctionArgument {
        switch (parameter, argument) {
        case (.value, .operand(.literal(let v), _)):
            return .value(.literal(v))
        case (.value, .operand(.query(let q), _)):
            guard q.isSingular else {
                throw fail(offset, "\(name) needs a single value, but this query can select several nodes",
                           hint: "use names and indices only, e.g. @.name or @[0]; or wrap it in value()")
            }
            return .value(.query(q))
        case (.value, .operand(.function(let f), _)):
            guard f.function.result == .value else {
                throw fail(offset, "\(f.function.rawValue)() returns a logical result, not a value")
            }
            return .value(.function(f))
        case (.value, .logical):
            throw fail(offset, "\(name) expects a value, not a logical expression")
        case (.nodes, .operand(.query(let q), _)):
            return .nodes(q)
        case (.nodes, _):
            throw fail(offset, "\(name) expects a query such as @.items[*]")
        case (.logical, _):
            // No built-in function declares a logical parameter.
            throw fail(offset, "\(name) does not take a logical argument")
        }
    }

    /// Turns a bare operand into a test: queries test for existence, logical functions are used
    /// as they are, and anything that yields a value must be compared instead.
    private func logical(_ parsed: ParsedExpression) throws(JSONPathError) -> FilterExpression {
        switch parsed {
        case .logical(let expression):
            return expression
        case .operand(.query(let q), _):
            return .exists(q)
        case .operand(.function(let f), let offset):
            guard f.function.result == .logical else {
                let name = f.function.rawValue
                throw fail(offset, "\(name)() returns a value, which must be compared",
                           hint: "compare it, e.g. [?\(name)(@.x) > 0]")
            }
            return .test(f)
        case .operand(.literal, let offset):
            throw fail(offset, "a literal cannot be a test on its own", hint: "compare it, e.g. [?@.state == 'ready']")
        }
    }

    private func checkComparable(_ operand: FilterOperand, at offset: Int) throws(JSONPathError) {
        switch operand {
        case .literal:
            return
        case .query(let q):
            guard q.isSingular else {
                throw fail(offset, "only singular queries can be compared",
                           hint: "use names and indices only, e.g. @.a[0]; or wrap the query in count() or value()")
            }
        case .function(let f):
            guard f.function.result == .value else {
                let name = f.function.rawValue
                throw fail(offset, "\(name)() returns a logical result and cannot be compared",
                           hint: "use it as a test on its own, e.g. [?\(name)(@.x, 'a.*')]")
            }
        }
    }
}
