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
/// only read, and passed around far too often to copy field by field.
public final class Plan: @unchecked Sendable {
    /// Path relative to the plan directory without extension: `critical/health`.
    public var id: String
    /// The path as given to the tool, used in diagnostics.
    public var file: String
    public var name: String?
    public var priority: Priority
    public var tags: [String]
    public var auth: AuthUse?
    public var vars: [(String, ValueTemplate)]
    public var serial: Bool
    public var cases: [Case]

    public init(id: String, file: String) {
        self.id = id
        self.file = file
        self.priority = .normal
        self.tags = []
        self.vars = []
        self.serial = false
        self.cases = []
    }

    public func caseIndex(_ id: String) -> Int? { cases.firstIndex { $0.id == id } }
}

/// One case of a plan: an HTTP exchange or a WebSocket conversation, and what must hold.
///
/// A class, not a struct: a case has many fields, and the compiler and engine pass cases around
/// tens of thousands of times in a large suite; a struct copy retains every field each time. It is
/// filled in by the parser and never changed after, which is what makes sharing it safe.
public final class Case: @unchecked Sendable {
    public enum Kind: Sendable {
        case http(HTTPRequestSpec)
        case websocket(WebSocketSpec)
    }

    public var id: String
    public var position: SourcePosition
    public var name: String?
    public var tags: [String]
    public var priority: Priority?
    public var kind: Kind
    public var auth: AuthUse?
    public var expect: Expectation
    public var captures: [Capture]
    public var needs: [Located<String>]
    public var retry: RetryOverride?
    public var timeout: Duration?
    public var load: LoadSpec?
    public var skip: String?
    public var xfail: String?
    /// Every template of the case that holds an expression, with the position of its scalar,
    /// recorded by the parser so the compiler need not walk the case again.
    public var templates: [(Template, SourcePosition)] = []

    public init(id: String, position: SourcePosition, kind: Kind) {
        self.id = id
        self.position = position
        self.tags = []
        self.kind = kind
        self.expect = Expectation()
        self.captures = []
        self.needs = []
    }

    public var isWebSocket: Bool { if case .websocket = kind { return true } else { return false } }

    /// Names this case captures, from `capture:` and from WebSocket receive steps.
    public var capturedNames: [String] {
        var names = captures.map(\.name)
        if case .websocket(let ws) = kind {
            for step in ws.steps { if case .receive(let r) = step.action { names += r.captures.map(\.name) } }
        }
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

/// `load: {requests, concurrency}`.
public struct LoadSpec: Sendable, Hashable {
    public var requests: Int
    public var concurrency: Int
    package init(requests: Int, concurrency: Int) {
        self.requests = requests
        self.concurrency = concurrency
    }
}
