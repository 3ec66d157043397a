#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseDiagnostics
import RehearseCompiler
import RehearseResults

/// Why a template could not be rendered at run time (an `errored` case).
public struct RenderError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Values templates read, in lookup order (spec §4): `--var`, captures, plan vars, environment
/// vars, suite vars; `env.NAME` reads the process environment given to the run.
public struct TemplateScope: Sendable {
    public var cliVars: [String: String] = [:]
    /// Case id → capture name → value, for the plan being run.
    public var captures: [String: [String: JSONValue]] = [:]
    public var planVars: [String: JSONValue] = [:]
    public var environmentVars: [String: JSONValue] = [:]
    public var suiteVars: [String: JSONValue] = [:]
    public var processEnvironment: [String: String] = [:]
    /// The element and index of an `each` instance (spec §9): `{{ item }}`, `{{ item.f }}`, `{{ index }}`.
    public var item: JSONValue?
    public var index: Int?
    /// `--dry-run` of a list known only at run time: `item…` and `index` read as `<item.x>`.
    var itemPlaceholder = false

    public init() {}

    func lookup(_ segments: [String]) -> JSONValue? {
        let head = segments[0]
        if let item, head == "item" {
            var value: JSONValue? = item
            for key in segments.dropFirst() { value = value?[key] }
            return value
        }
        if let index, head == "index", segments.count == 1 { return .number(Double(index)) }
        if itemPlaceholder, head == "item" || (head == "index" && segments.count == 1) {
            return .string("<" + segments.joined(separator: ".") + ">")
        }
        if segments.count == 1 {
            if let v = cliVars[head] { return .string(v) }
            return planVars[head] ?? environmentVars[head] ?? suiteVars[head]
        }
        if head == "env" { return processEnvironment[segments[1]].map { .string($0) } }
        if let captured = captures[head], segments.count == 2 { return captured[segments[1]] }
        // `{{ var.key }}` into an object-valued variable.
        var value = planVars[head] ?? environmentVars[head] ?? suiteVars[head]
        for key in segments.dropFirst() { value = value?[key] }
        return value
    }
}

/// Renders templates against a scope; functions draw from the run's seeded random source.
public struct TemplateRenderer: Sendable {
    public var scope: TemplateScope
    public let random: RandomSource
    public let clock: any RunClock

    public init(scope: TemplateScope, random: RandomSource, clock: any RunClock) {
        self.scope = scope
        self.random = random
        self.clock = clock
    }

    /// A template that is exactly one expression keeps its value's JSON type; otherwise a string.
    public func render(_ t: Template) throws(RenderError) -> JSONValue {
        if t.isSingleExpression, case .expression(let e, _) = t.parts[0] { return try evaluate(e) }
        return .string(try renderString(t))
    }

    public func renderString(_ t: Template) throws(RenderError) -> String {
        if let literal = t.literalValue { return literal }
        var out = ""
        for part in t.parts {
            switch part {
            case .literal(let s): out += s
            case .expression(let e, _): out += Self.text(of: try evaluate(e))
            }
        }
        return out
    }

    public func render(_ v: ValueTemplate) throws(RenderError) -> JSONValue {
        switch v {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .number(let d): return .number(d)
        case .string(let t): return try render(t)
        case .array(let a):
            var out: [JSONValue] = []
            for x in a { out.append(try render(x)) }
            return .array(out)
        case .object(let o):
            var out: [String: JSONValue] = [:]
            for (k, x) in o { out[k] = try render(x) }
            return .object(out)
        }
    }

    /// How a value reads inside a longer string: strings bare, everything else as JSON.
    public static func text(of v: JSONValue) -> String {
        if case .string(let s) = v { return s }
        return v.jsonText
    }

    func evaluate(_ e: TemplateExpression) throws(RenderError) -> JSONValue {
        switch e {
        case .name(let segments):
            if let v = scope.lookup(segments) { return v }
            let name = segments.joined(separator: ".")
            if segments.count == 2, segments[0] == "env" {
                throw RenderError(message: "environment variable \(segments[1]) is not set")
            }
            if segments.count == 2, scope.captures[segments[0]] != nil {
                throw RenderError(message: "case '\(segments[0])' did not capture '\(segments[1])' (the path selected nothing)")
            }
            throw RenderError(message: "'\(name)' has no value")
        case .call(let name, let args):
            let numbers = args.map { a -> Double in if case .number(let d) = a { return d } else { return 0 } }
            switch TemplateFunction(rawValue: name) {
            case .uuid: return .string(random.uuid())
            case .now: return .string(clock.now().formatted(.iso8601))
            case .timestamp: return .number(clock.now().timeIntervalSince1970.rounded(.down))
            case .randomHex: return .string(random.hex(Int(numbers.first ?? 8)))
            case .randomInt:
                let lo = Int(numbers[0]), hi = Int(numbers[1])
                return .number(Double(random.int(in: min(lo, hi)...max(lo, hi))))
            case nil: throw RenderError(message: "unknown function \(name)()")
            }
        }
    }
}

/// Which level of the scope a variable belongs to.
enum VarLevel { case suite, environment, plan }

extension TemplateScope {
    /// Renders vars that may refer to each other (at any level, in any order): passes over the
    /// pending ones until none is left; if a pass makes no progress, the first error stands.
    mutating func renderVars(_ vars: [(level: VarLevel, name: String, value: ValueTemplate)], random: RandomSource,
                             clock: any RunClock) throws(RenderError) {
        var pending = vars
        while !pending.isEmpty {
            var firstError: RenderError?
            var rest: [(level: VarLevel, name: String, value: ValueTemplate)] = []
            for v in pending {
                do {
                    let value = try TemplateRenderer(scope: self, random: random, clock: clock).render(v.value)
                    switch v.level {
                    case .suite: suiteVars[v.name] = value
                    case .environment: environmentVars[v.name] = value
                    case .plan: planVars[v.name] = value
                    }
                } catch {
                    if firstError == nil { firstError = error }
                    rest.append(v)
                }
            }
            if rest.count == pending.count, let firstError {
                throw RenderError(message: "var '\(rest[0].name)': \(firstError.message)")
            }
            pending = rest
        }
    }
}
