/// The four priorities of the spec, in report order.
public enum Priority: String, Sendable, CaseIterable, Codable, Comparable {
    case critical, high, normal, low

    public var rank: Int { Priority.allCases.firstIndex(of: self)! }
    public static func < (a: Priority, b: Priority) -> Bool { a.rank < b.rank }
}

/// A value with the place it was written, for diagnostics after parsing.
public struct Located<Value: Sendable & Hashable>: Sendable, Hashable {
    public var value: Value
    public var position: SourcePosition
    public init(_ value: Value, at position: SourcePosition) {
        self.value = value
        self.position = position
    }
}

/// One plan file, parsed. A class for the same reason as `Case`: built once by the parser, then
/// only read, and passed around far too often to copy field by field. Every field is a `let`, so
/// sharing it between tasks is safe by construction and the compiler checks that it is `Sendable`.
public final class Plan: Sendable {
    /// Path relative to the plan directory without extension: `critical/health`.
    public let id: String
    /// The path as given to the tool, used in diagnostics.
    public let file: String
    public let name: String?
    public let priority: Priority
    public let tags: [String]
    public let auth: AuthUse?
    public let vars: [(String, ValueTemplate)]
    public let serial: Bool
    public let cases: [Case]
    /// Cases that came from suite templates (`extends:`), so diagnostics can name the template.
    public let templateOrigins: [TemplateOrigin]

    public init(id: String, file: String, name: String? = nil, priority: Priority = .normal, tags: [String] = [],
                auth: AuthUse? = nil, vars: [(String, ValueTemplate)] = [], serial: Bool = false, cases: [Case] = [],
                templateOrigins: [TemplateOrigin] = []) {
        self.id = id
        self.file = file
        self.name = name
        self.priority = priority
        self.tags = tags
        self.auth = auth
        self.vars = vars
        self.serial = serial
        self.cases = cases
        self.templateOrigins = templateOrigins
    }

    public func caseIndex(_ id: String) -> Int? { cases.firstIndex { $0.id == id } }
}

/// One case of a plan: an HTTP exchange or a WebSocket conversation, and what must hold.
///
/// A class, not a struct: a case has many fields, and the compiler and engine pass cases around
/// tens of thousands of times in a large suite; a struct copy retains every field each time. The
/// parser gathers every field first and builds the case in one go; its fields are `let`, so it
/// cannot change after that, which is what makes sharing it safe (and checked `Sendable`).
public final class Case: Sendable {
    public enum Kind: Sendable {
        case http(HTTPRequestSpec)
        case websocket(WebSocketSpec)
        case sse(SSESpec)
    }

    public let id: String
    public let position: SourcePosition
    public let name: String?
    public let tags: [String]
    public let priority: Priority?
    public let kind: Kind
    public let auth: AuthUse?
    public let expect: Expectation
    public let captures: [Capture]
    public let needs: [Located<String>]
    public let retry: RetryOverride?
    public let timeout: Duration?
    public let load: LoadSpec?
    public let skip: String?
    public let xfail: String?
    /// Every template of the case that holds an expression, with the position of its scalar,
    /// recorded by the parser so the compiler need not walk the case again.
    public let templates: [(Template, SourcePosition)]
    /// `each:`: the list the case is repeated over (spec §9).
    public let each: EachSpec?
    /// True for a case of the plan's `teardown:` list.
    public let isTeardown: Bool

    public init(id: String, position: SourcePosition, kind: Kind, name: String? = nil, tags: [String] = [],
                priority: Priority? = nil, auth: AuthUse? = nil, expect: Expectation = Expectation(),
                captures: [Capture] = [], needs: [Located<String>] = [], retry: RetryOverride? = nil,
                timeout: Duration? = nil, load: LoadSpec? = nil, skip: String? = nil, xfail: String? = nil,
                templates: [(Template, SourcePosition)] = [], each: EachSpec? = nil, isTeardown: Bool = false) {
        self.id = id
        self.position = position
        self.kind = kind
        self.name = name
        self.tags = tags
        self.priority = priority
        self.auth = auth
        self.expect = expect
        self.captures = captures
        self.needs = needs
        self.retry = retry
        self.timeout = timeout
        self.load = load
        self.skip = skip
        self.xfail = xfail
        self.templates = templates
        self.each = each
        self.isTeardown = isTeardown
    }

    public var isWebSocket: Bool { if case .websocket = kind { return true } else { return false } }

    /// Names this case captures, from `capture:` and from WebSocket receive steps.
    public var capturedNames: [String] {
        var names = captures.map(\.name)
        if case .websocket(let ws) = kind { names += ws.steps.flatMap(\.capturedNames) }
        if case .sse(let sse) = kind { names += sse.steps.flatMap(\.capturedNames) }
        return names
    }
}

/// How a case authenticates: `none`, or a profile and a mode.
public enum AuthUse: Sendable, Hashable {
    case none
    case profile(Located<String>, mode: AuthMode)
}

/// The credential variants of the spec's auth-mode table (negative tests).
public enum AuthMode: String, Sendable, CaseIterable, Codable {
    case valid, missing, malformed, expired
    case wrongSecret = "wrong-secret"
    case tampered
    case noneAlg = "none-alg"

    /// Modes that only make sense for a JWT profile.
    public var needsJWT: Bool { ![.valid, .missing, .malformed].contains(self) }
}

/// `load: {requests, concurrency}` (the closed model), or with `rate`/`stages` the open model.
public struct LoadSpec: Sendable, Hashable {
    /// Closed model: requests in total. Open model: the cap given by `requests`, else 0.
    public var requests: Int
    public var concurrency: Int
    /// Set for the open model (spec §12): `OpenLoad.swift`.
    public var open: OpenLoad?

    package init(requests: Int, concurrency: Int, open: OpenLoad? = nil) {
        self.requests = requests
        self.concurrency = concurrency
        self.open = open
    }
}
