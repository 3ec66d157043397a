#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// Walks a parsed query over one document. `root` is what `$` means inside filters.
///
/// Nodelists hold `JSONValue`s, whose arrays and dictionaries are copy-on-write, so collecting
/// a node costs a retain, not a deep copy.
struct PathEvaluator {
    let root: JSONValue

    func select(_ query: PathQuery, current: JSONValue) -> [JSONValue] {
        if query.isSingular {
            return singularValue(query, current: current).map { [$0] } ?? []
        }
        var nodes = [query.isRelative ? current : root]
        var next: [JSONValue] = []
        for segment in query.segments {
            next.removeAll(keepingCapacity: true)
            for node in nodes {
                if segment.isDescendant {
                    descend(node, segment.selectors, into: &next)
                } else {
                    apply(segment.selectors, to: node, into: &next)
                }
            }
            swap(&nodes, &next)
            if nodes.isEmpty { break }
        }
        return nodes
    }

    /// Fast path for names and indices: no intermediate nodelists.
    func singularValue(_ query: PathQuery, current: JSONValue) -> JSONValue? {
        var value = query.isRelative ? current : root
        for segment in query.segments {
            switch (segment.selectors[0], value) {
            // RFC 9535 compares member names scalar by scalar, as `JSONValue.member` does.
            case (.name(let name), .object(let members)):
                guard let member = JSONValue.member(members, name) else { return nil }
                value = member
            case (.index(let index), .array(let elements)):
                guard let i = Self.normalized(index, count: elements.count) else { return nil }
                value = elements[i]
            default:
                return nil
            }
        }
        return value
    }

    // MARK: Segments and selectors

    /// The input node first, then its descendants depth-first in document order.
    private func descend(_ node: JSONValue, _ selectors: [PathSelector], into out: inout [JSONValue]) {
        apply(selectors, to: node, into: &out)
        switch node {
        case .array(let elements):
            for element in elements { descend(element, selectors, into: &out) }
        case .object(let members):
            for (_, value) in Self.sortedMembers(members) { descend(value, selectors, into: &out) }
        default:
            break
        }
    }

    private func apply(_ selectors: [PathSelector], to node: JSONValue, into out: inout [JSONValue]) {
        for selector in selectors {
            switch (selector, node) {
            case (.name(let name), .object(let members)):
                if let value = JSONValue.member(members, name) { out.append(value) }
            case (.wildcard, .array(let elements)):
                out.append(contentsOf: elements)
            case (.wildcard, .object(let members)):
                for (_, value) in Self.sortedMembers(members) { out.append(value) }
            case (.index(let index), .array(let elements)):
                if let i = Self.normalized(index, count: elements.count) { out.append(elements[i]) }
            case (.slice(let start, let end, let step), .array(let elements)):
                Self.appendSlice(elements, start: start, end: end, step: step ?? 1, into: &out)
            case (.filter(let expression), .array(let elements)):
                for element in elements where test(expression, current: element) { out.append(element) }
            case (.filter(let expression), .object(let members)):
                for (_, value) in Self.sortedMembers(members) where test(expression, current: value) {
                    out.append(value)
                }
            default:
                break
            }
        }
    }

    /// RFC 9535 section 2.3.4.2.2, including its clamping of out-of-range bounds.
    private static func appendSlice(_ elements: [JSONValue], start: Int?, end: Int?, step: Int,
                                    into out: inout [JSONValue]) {
        let count = elements.count
        func normalize(_ i: Int) -> Int { i >= 0 ? i : count + i }
        if step > 0 {
            let lower = min(max(start.map(normalize) ?? 0, 0), count)
            let upper = min(max(end.map(normalize) ?? count, 0), count)
            var i = lower
            while i < upper {
                out.append(elements[i])
                i += step
            }
        } else if step < 0 {
            let upper = min(max(start.map(normalize) ?? count - 1, -1), count - 1)
            let lower = min(max(end.map(normalize) ?? -count - 1, -1), count - 1)
            var i = upper
            while lower < i {
                out.append(elements[i])
                i += step
            }
        }
    }

    static func normalized(_ index: Int, count: Int) -> Int? {
        let i = index >= 0 ? index : count + index
        return i >= 0 && i < count ? i : nil
    }

    /// Same key order as `JSONValue.jsonText`, so selections read like printed documents.
    static func sortedMembers(_ members: [String: JSONValue]) -> [(key: String, value: JSONValue)] {
        members.count < 2 ? Array(members) : members.sorted { $0.key < $1.key }
    }

    // MARK: Filters

    func test(_ expression: FilterExpression, current: JSONValue) -> Bool {
        switch expression {
        case .or(let terms):
            return terms.contains { test($0, current: current) }
        case .and(let terms):
            return terms.allSatisfy { test($0, current: current) }
        case .not(let inner):
            return !test(inner, current: current)
        case .exists(let query):
            if query.isSingular { return singularValue(query, current: current) != nil }
            return !select(query, current: current).isEmpty
        case .test(let call):
            return logicalResult(call, current: current)
        case .compare(let left, let op, let right):
            return Self.compare(value(left, current: current), op, value(right, current: current))
        }
    }

    /// nil is the RFC's "Nothing": a query that selected no node, or a function with no result.
    private func value(_ operand: FilterOperand, current: JSONValue) -> JSONValue? {
        switch operand {
        case .literal(let v): return v
        case .query(let query): return singularValue(query, current: current)
        case .function(let call): return valueResult(call, current: current)
        }
    }

    private func argumentValue(_ argument: FunctionArgument, current: JSONValue) -> JSONValue? {
        guard case .value(let operand) = argument else { return nil }
        return value(operand, current: current)
    }

    private func argumentNodes(_ argument: FunctionArgument, current: JSONValue) -> [JSONValue] {
        guard case .nodes(let query) = argument else { return [] }
        return select(query, current: current)
    }

    private func valueResult(_ call: FunctionCall, current: JSONValue) -> JSONValue? {
        switch call.function {
        case .length:
            switch argumentValue(call.arguments[0], current: current) {
            case .string(let s)?: return .number(Double(s.unicodeScalars.count))
            case .array(let a)?: return .number(Double(a.count))
            case .object(let o)?: return .number(Double(o.count))
            default: return nil
            }
        case .count:
            return .number(Double(argumentNodes(call.arguments[0], current: current).count))
        case .value:
            let nodes = argumentNodes(call.arguments[0], current: current)
            guard nodes.count == 1 else { return nil }
            return nodes[0]
        case .match, .search:
            return nil
        }
    }

    private func logicalResult(_ call: FunctionCall, current: JSONValue) -> Bool {
        guard call.function == .match || call.function == .search,
              case .string(let subject)? = argumentValue(call.arguments[0], current: current),
              case .string(let pattern)? = argumentValue(call.arguments[1], current: current),
              let regex = FilterRegexCache.shared.regex(for: pattern)
        else { return false }
        // Bounded like every other match (the subject is server text): a match given up after the
        // budget counts as no match, as an invalid pattern does.
        let whole = call.function == .match
        return BoundedRegex.within(pattern, on: subject) {
            whole ? (try? regex.wholeMatch(in: subject)) != nil : (try? regex.firstMatch(in: subject)) != nil
        } ?? false
    }

    // MARK: Comparison (RFC 9535 section 2.3.5.2.2)

    static func compare(_ left: JSONValue?, _ op: ComparisonOperator, _ right: JSONValue?) -> Bool {
        switch op {
        case .equal: return equal(left, right)
        case .notEqual: return !equal(left, right)
        case .less: return less(left, right)
        case .lessOrEqual: return less(left, right) || equal(left, right)
        case .greater: return less(right, left)
        case .greaterOrEqual: return less(right, left) || equal(left, right)
        }
    }

    /// Nothing equals only Nothing; values compare as `JSONValue ==` does, by Unicode scalars.
    static func equal(_ left: JSONValue?, _ right: JSONValue?) -> Bool {
        switch (left, right) {
        case (nil, nil): return true
        case (let l?, let r?): return l == r
        default: return false
        }
    }

    /// Only numbers with numbers and strings with strings are ordered; UTF-8 byte order is
    /// Unicode scalar order, which the RFC asks for.
    static func less(_ left: JSONValue?, _ right: JSONValue?) -> Bool {
        switch (left, right) {
        case (.number(let l)?, .number(let r)?): return l < r
        case (.string(let l)?, .string(let r)?): return l.utf8.lexicographicallyPrecedes(r.utf8)
        default: return false
        }
    }
}

/// Compiles each `match()`/`search()` pattern once per process: filters run per node, and
/// building a Swift `Regex` from text costs far more than matching with it.
final class FilterRegexCache: Sendable {
    static let shared = FilterRegexCache()
    /// A nil value records a pattern that does not compile.
    private let entries = Mutex<[String: Regex<AnyRegexOutput>?]>([:])

    func regex(for pattern: String) -> Regex<AnyRegexOutput>? {
        if let cached = entries.withLock({ $0[pattern] }) { return cached }
        // Code point semantics, as I-Regexp (RFC 9485) specifies, rather than Swift's default
        // of grapheme clusters.
        let compiled = RegexStore.nestingProblem(pattern) != nil ? nil
            : (try? Regex(Self.translate(pattern)))?.matchingSemantics(.unicodeScalar)
        entries.withLock { entries in
            // Patterns come from plan text, so the set is small; the bound only guards against
            // an unbounded stream of distinct patterns.
            if entries.count >= 1024 { entries.removeAll() }
            entries[pattern] = .some(compiled)
        }
        return compiled
    }

    /// I-Regexp's `.` excludes only `\n` and `\r`; Swift's excludes every newline character.
    /// RFC 9485 section 5 maps it to `[^\n\r]` outside character classes, as done here.
    static func translate(_ pattern: String) -> String {
        guard pattern.utf8.contains(UInt8(ascii: ".")) else { return pattern }
        var out = String.UnicodeScalarView()
        var inClass = false, escaped = false
        for scalar in pattern.unicodeScalars {
            if escaped {
                escaped = false
            } else if scalar == "\\" {
                escaped = true
            } else if scalar == "[" {
                inClass = true
            } else if scalar == "]" {
                inClass = false
            } else if scalar == ".", !inClass {
                out.append(contentsOf: #"[^\n\r]"#.unicodeScalars)
                continue
            }
            out.append(scalar)
        }
        return String(out)
    }
}
