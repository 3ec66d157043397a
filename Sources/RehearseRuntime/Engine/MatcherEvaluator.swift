#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseDiagnostics
import RehearseCompiler
import RehearseResults

/// Decides whether a value satisfies a matcher; the answer is nil (holds) or why it does not.
public struct MatcherEvaluator: Sendable {
    public let renderer: TemplateRenderer

    public init(renderer: TemplateRenderer) { self.renderer = renderer }

    /// Checks what `path` selects in `doc` (spec §7): a singular query gives its value or nothing;
    /// any other query gives an array, even of zero or one value, and exists when that array is
    /// not empty.
    public func check(_ m: Matcher, path: JSONPath, in doc: JSONValue) throws(RenderError) -> String? {
        let selected = ExpectationChecker.select(path, doc)
        if path.isSingular { return try check(m, selected) }
        return try check(m, selected, found: selected != .array([]))
    }

    /// `actual` is nil when a JSONPath selected nothing or a header is absent.
    public func check(_ m: Matcher, _ actual: JSONValue?) throws(RenderError) -> String? {
        try check(m, actual, found: actual != nil)
    }

    /// `found` is what `exists` tests: for a non-singular path, whether its array has a value.
    private func check(_ m: Matcher, _ actual: JSONValue?, found: Bool) throws(RenderError) -> String? {
        switch m {
        case .exists(let want):
            if found == want { return nil }
            if want { return actual == nil ? "expected it to exist, found nothing" : "expected at least one value, found none" }
            return "expected nothing, found \(Self.show(actual))"
        case .not(let inner):
            if try check(inner, actual, found: found) == nil { return "expected not \(describe(inner)), found \(Self.show(actual))" }
            return nil
        case .all(let ms):
            for inner in ms { if let why = try check(inner, actual, found: found) { return why } }
            return nil
        default:
            break
        }
        guard let actual else { return "expected \(describe(m)), found nothing (the path selected no value)" }
        switch m {
        case .equals(let t):
            let want = try renderer.render(t)
            if Self.equal(actual, want) { return nil }
            return "expected \(Self.show(want)), found \(Self.show(actual))" + Self.scalarNote(want, actual)
        case .contains(let t):
            let want = try renderer.render(t)
            switch actual {
            case .string(let s):
                return Self.containsText(s, TemplateRenderer.text(of: want)) ? nil : "expected text containing \(Self.show(want)), found \(Self.show(actual))"
            case .array(let a):
                return a.contains { Self.equal($0, want) } ? nil : "expected a list containing \(Self.show(want)), found \(Self.show(actual))"
            case .object(let o):
                return JSONValue.member(o, TemplateRenderer.text(of: want)) != nil ? nil : "expected an object with key \(Self.show(want)), found keys \(o.keys.sorted())"
            default:
                return "expected text, a list or an object containing \(Self.show(want)), found \(Self.show(actual))"
            }
        case .matches(let r):
            guard case .string(let s) = actual else { return "expected text matching /\(r.pattern.source)/, found \(Self.show(actual))" }
            let pattern = try renderer.renderString(r.pattern)
            // A pattern rendered from a capture is server text: quoted as briefly as any value.
            let shown = pattern.count > 200 ? String(pattern.prefix(200)) + "…" : pattern
            guard let regex = RegexStore.shared.regex(pattern) else {
                return "invalid regex /\(shown)/: \(RegexStore.shared.error(for: pattern) ?? "it does not compile")"
            }
            switch BoundedRegex.firstMatch(pattern, regex, in: s) {
            case .found: return nil
            case .notFound: return "expected text matching /\(shown)/, found \(Self.show(actual))"
            case .gaveUp(let budget): return BoundedRegex.gaveUpMessage(shown, after: budget)
            }
        case .type(let t):
            return t.matches(actual) ? nil : "expected \(t.rawValue), found \(actual.typeName) \(Self.show(actual))"
        case .length(let r):
            let n: Int
            switch actual {
            case .string(let s): n = s.count
            case .array(let a): n = a.count
            case .object(let o): n = o.count
            default: return "expected something with a length, found \(Self.show(actual))"
            }
            return r.contains(n) ? nil : "expected length \(Self.describe(r)), found \(n)"
        case .range(let lo, let hi):
            guard case .number(let d) = actual else { return "expected a number, found \(Self.show(actual))" }
            if let lo, d < lo { return "expected at least \(JSONValue.formatNumber(lo)), found \(JSONValue.formatNumber(d))" }
            if let hi, d > hi { return "expected at most \(JSONValue.formatNumber(hi)), found \(JSONValue.formatNumber(d))" }
            return nil
        case .oneOf(let options):
            var rendered: [JSONValue] = []
            for o in options { rendered.append(try renderer.render(o)) }
            return rendered.contains { Self.equal(actual, $0) } ? nil
                : "expected one of \(Self.show(.array(rendered))), found \(Self.show(actual))"
        case .exists, .not, .all:
            return nil
        }
    }

    /// JSON equality (Unicode scalars, see `JSONValue ==`), except that text compared with a
    /// number or boolean compares as text (headers are text).
    public static func equal(_ actual: JSONValue, _ want: JSONValue) -> Bool {
        if actual == want { return true }
        switch (actual, want) {
        case (.string(let s), .number), (.string(let s), .bool):
            return s.utf8.elementsEqual(want.jsonText.utf8)
        default:
            return false
        }
    }

    /// Substring test by Unicode scalars, as JSON compares text. `String.contains` works on
    /// grapheme clusters, so "a" would not be found in "a\u{308}" while "ä" would. A match of
    /// valid UTF-8 bytes always starts and ends on scalar boundaries.
    static func containsText(_ text: String, _ part: String) -> Bool {
        Text.containsBytes(part, in: text)
    }

    func describe(_ m: Matcher) -> String {
        switch m {
        case .equals(let t): return (try? Self.show(renderer.render(t))) ?? "a value"
        case .not(let i): return "not \(describe(i))"
        case .matches(let r): return "text matching /\(r.pattern.source)/"
        case .contains(let t): return "something containing \((try? Self.show(renderer.render(t))) ?? "a value")"
        case .exists(let b): return b ? "a value" : "no value"
        case .type(let t): return "a value of type \(t.rawValue)"
        case .length(let r): return "length \(Self.describe(r))"
        case .range(let lo, let hi):
            return [lo.map { "≥ \(JSONValue.formatNumber($0))" }, hi.map { "≤ \(JSONValue.formatNumber($0))" }]
                .compactMap { $0 }.joined(separator: " and ")
        case .oneOf: return "one of the listed values"
        case .all(let ms): return ms.map(describe).joined(separator: " and ")
        }
    }

    static func describe(_ r: CountRange) -> String {
        if let lo = r.min, let hi = r.max { return lo == hi ? "\(lo)" : "\(lo)..\(hi)" }
        if let lo = r.min { return "≥ \(lo)" }
        if let hi = r.max { return "≤ \(hi)" }
        return "any"
    }

    /// For two texts that differ only in Unicode form ("ä" and "a" + U+0308 look alike, and Swift
    /// calls them equal), the code points of both: otherwise the message shows the same text twice.
    static func scalarNote(_ want: JSONValue, _ actual: JSONValue) -> String {
        guard case .string(let w) = want, case .string(let a) = actual, w == a else { return "" }
        func points(_ s: String) -> String {
            s.unicodeScalars.prefix(12).map { "U+" + Text.hex($0.value, width: 4) }.joined(separator: " ")
                + (s.unicodeScalars.count > 12 ? " …" : "")
        }
        return " (the same letters in another Unicode form: expected \(points(w)), found \(points(a)))"
    }

    /// A value as shown in a message: JSON, cut to a readable length.
    public static func show(_ v: JSONValue?) -> String {
        guard let v else { return "nothing" }
        let text = v.jsonText
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }
}

