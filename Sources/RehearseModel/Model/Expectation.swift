/// What must hold for a case to pass.
public struct Expectation: Sendable {
    public var status: StatusSpec?
    public var json: [JSONAssertion] = []
    public var headers: [HeaderAssertion] = []
    public var body: Matcher?
    public var duration: Duration?
    public var latency: LatencyLimits?
    /// With `load`: the share (or number) of requests that may fail (spec §12).
    public var errors: ErrorBudget?
    /// With an open-model `load`: how many starts may be dropped at `max_in_flight`.
    public var dropped: Int?
    /// Path of a JSON Schema file, resolved against the plan's folder.
    public var schema: Located<String>?
    public var position: SourcePosition?

    public init() {}

    public var isEmpty: Bool {
        status == nil && json.isEmpty && headers.isEmpty && body == nil && duration == nil && latency == nil && schema == nil
            && errors == nil && dropped == nil
    }
}

/// `$.path: matcher`.
public struct JSONAssertion: Sendable {
    public var path: JSONPath
    public var matcher: Matcher
    public var position: SourcePosition

    package init(path: JSONPath, matcher: Matcher, position: SourcePosition) {
        self.path = path
        self.matcher = matcher
        self.position = position
    }
}

/// `Header-Name: matcher` (names compare case-insensitively).
public struct HeaderAssertion: Sendable {
    public var name: String
    public var matcher: Matcher
    public var position: SourcePosition

    package init(name: String, matcher: Matcher, position: SourcePosition) {
        self.name = name
        self.matcher = matcher
        self.position = position
    }
}

/// `200`, `[401, 403]` or `"4xx"`.
public struct StatusSpec: Sendable, Hashable, CustomStringConvertible {
    public enum Alternative: Sendable, Hashable {
        case exact(Int)
        case classOf(Int)
    }
    public var alternatives: [Alternative]

    public init(_ alternatives: [Alternative]) { self.alternatives = alternatives }

    public func matches(_ status: Int) -> Bool {
        alternatives.contains {
            switch $0 {
            case .exact(let s): return s == status
            case .classOf(let c): return status / 100 == c
            }
        }
    }

    public var description: String {
        let parts = alternatives.map { a -> String in
            switch a {
            case .exact(let s): return String(s)
            case .classOf(let c): return "\(c)xx"
            }
        }
        return parts.count == 1 ? parts[0] : parts.joined(separator: " or ")
    }
}

/// `errors: {max: 0.5%}` or `{max: 3}`: failed requests a load case tolerates.
public enum ErrorBudget: Sendable, Hashable, CustomStringConvertible {
    case percent(Double)
    case count(Int)

    /// True when `failed` of `total` stays within the budget.
    public func allows(_ failed: Int, of total: Int) -> Bool {
        switch self {
        case .count(let n): return failed <= n
        case .percent(let p): return total == 0 || Double(failed) * 100 <= p * Double(total) + 1e-9
        }
    }

    public var description: String {
        switch self {
        case .count(let n): return "\(n)"
        case .percent(let p): return (p == p.rounded() ? "\(Int(p))" : "\(p)") + "%"
        }
    }
}

/// `latency: {p50, p90, p95, p99, p99.9, p99.99, max}` over all responses of a load case.
public struct LatencyLimits: Sendable, Hashable {
    public var limits: [(percentile: Double, label: String, max: Duration)]

    public static func == (a: LatencyLimits, b: LatencyLimits) -> Bool {
        a.limits.map(\.label) == b.limits.map(\.label) && a.limits.map(\.max) == b.limits.map(\.max)
    }
    public func hash(into h: inout Hasher) { for l in limits { h.combine(l.label); h.combine(l.max) } }

    package init(limits: [(percentile: Double, label: String, max: Duration)]) {
        self.limits = limits
    }
}

/// `name: $.path`, `name: {header: X}` or `name: {body: REGEX}`.
public struct Capture: Sendable {
    public enum Source: Sendable {
        case jsonPath(JSONPath)
        case header(String)
        case body(RegexSource)
    }
    public var name: String
    public var source: Source
    public var position: SourcePosition

    package init(name: String, source: Source, position: SourcePosition) {
        self.name = name
        self.source = source
        self.position = position
    }
}
