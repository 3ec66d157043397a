import RehearseModel
import RehearseCompiler
import RehearseResults

/// Failures that share one cause, with the one next step for all of them (spec §11): twenty
/// refused cases are one credentials problem, not twenty endpoint bugs.
public struct FailureGroup: Sendable {
    /// What the cases share, in words; code in backticks: "403 with valid `staging-jwt` credentials".
    public var cause: String
    /// What to try, in words, with commands in backticks.
    public var nextStep: String?
    /// Full ids, in report order.
    public var cases: [String]
    /// The grouping key's parts, for the JSON report.
    public var status: Int?
    public var method: String?
    public var path: String?
    public var auth: String?
    public var failureKind: String?
    public var exchange: ExchangeKind?
    /// The cause as said of one case: its own message where the group's says its shape.
    var causeOfOne = ""
    /// Whether the group's cases said different words (so the cause is their shared shape).
    var wordsDiffer = false

    /// "20 cases: 403 with valid `staging-jwt` credentials: run `rehearse auth --probe`"; a group
    /// of one is shown as the case itself: "`chat/send`: 404 on `POST /api/chat`: check …".
    public var line: String {
        let head = cases.count == 1 ? "`\(FailureGroups.unticked(cases[0]))`" : "\(cases.count) cases"
        return "\(head): \(cause)" + (nextStep.map { ": \($0)" } ?? "")
    }

    var json: JSONValue {
        var o: [String: JSONValue] = ["cause": .string(cause), "count": .number(Double(cases.count)),
                                      "cases": .array(cases.map { .string($0) }),
                                      "next_step": nextStep.map { .string($0) } ?? .null]
        if let status { o["status"] = .number(Double(status)) }
        if let method { o["method"] = .string(method) }
        if let path { o["path"] = .string(path) }
        if let auth { o["auth"] = .string(auth) }
        if let failureKind { o["failure_kind"] = .string(failureKind) }
        if let exchange { o["exchange"] = .string(exchange.rawValue) }
        return .object(o)
    }
}

/// Groups a run's failures by cause: status and exchange kind, method and path pattern (ids
/// folded to `{id}`), auth profile and mode, failure kind and message shape.
public enum FailureGroups {
    /// The groups of the cases that failed, errored or xpassed (not those an interrupt cut
    /// short: the run hints say that once), largest first, then in report order.
    public static func of(_ report: RunReport) -> [FailureGroup] {
        var groups: [FailureGroup] = []
        var index: [String: Int] = [:]
        for r in report.results where !r.outcome.isSuccess && !r.wasInterrupted {
            let (key, group) = signature(r)
            if let i = index[key] {
                groups[i].cases.append(r.fullID)
                // Cases whose own words differ are told by the shape their messages share.
                if groups[i].causeOfOne != group.causeOfOne { groups[i].wordsDiffer = true }
            } else {
                index[key] = groups.count
                groups.append(group)
            }
        }
        // A group whose cases all say the same words is told in those words, not their shape
        // ("connection refused (127.0.0.1:9)", not "({n}:{n})").
        for i in groups.indices where !groups[i].wordsDiffer { groups[i].cause = groups[i].causeOfOne }
        return groups.enumerated().sorted { a, b in
            a.element.cases.count != b.element.cases.count ? a.element.cases.count > b.element.cases.count : a.offset < b.offset
        }.map(\.element)
    }

    /// The key a case is grouped by, and the group it would start.
    static func signature(_ r: CaseResult) -> (key: String, group: FailureGroup) {
        var (key, group) = signature(r, message: messageShape)
        group.causeOfOne = signature(r, message: { $0 }).group.cause
        return (key, group)
    }

    /// The key and group of a case, its message written by `message` (the shape for the key).
    static func signature(_ r: CaseResult, message: (String) -> String) -> (key: String, group: FailureGroup) {
        let (method, path, host) = request(r.exchange)
        let status = r.exchange?.status
        let failure = r.failures.first
        let kind = r.exchange?.kind
        var g = FailureGroup(cause: "", nextStep: NextSteps.suggestion(for: r), cases: [r.fullID], status: status, method: method,
                             path: path, auth: r.auth, failureKind: failure?.kind.rawValue, exchange: kind)
        let endpoint = method.map { "`\(unticked($0 + " " + (path ?? "/")))`" }
        let exchangeKey = kind?.rawValue ?? "none"
        let shape = failure.map { message($0.message) } ?? r.outcome.rawValue
        if r.outcome == .xpassed {
            g.cause = "passed despite `xfail`"
            return ("xpassed", g)
        }
        if failure?.kind == .assertion, let s = status, s == 401 || s == 403, let profile = r.auth {
            // Refused with credentials that should work: the credentials, not the endpoints.
            g.cause = "\(s) with valid `\(unticked(profile))` credentials"
            g.nextStep = "run `rehearse auth --probe`"
            g.method = nil
            g.path = nil
            return ("refused|\(s)|\(profile)|\(exchangeKey)", g)
        }
        switch failure?.kind {
        case .transport? where failure.map(NextSteps.isUnreachable) == true:
            // Nothing was sent: the address, whatever the endpoint.
            g.cause = "`\(unticked(shape))`" + (host.map { " on `\(unticked($0))`" } ?? "")
            g.method = nil
            g.path = nil
            return ("unreachable|\(host ?? "")|\(shape)", g)
        case .assertion?, nil:
            if let s = status, !(200..<300).contains(s) {
                g.cause = "\(s) on \(endpoint ?? "the request")"
                return ("status|\(s)|\(exchangeKey)|\(method ?? "")|\(path ?? "")|\(r.auth ?? "")|\(shape)", g)
            }
            g.cause = (endpoint.map { $0 + ": " } ?? "") + "`\(unticked(shape))`"
            return ("assertion|\(status.map(String.init) ?? "")|\(exchangeKey)|\(method ?? "")|\(path ?? "")|\(r.auth ?? "")|\(shape)", g)
        case let k?:
            g.cause = "\(k.rawValue)" + (endpoint.map { " on " + $0 } ?? "") + ": `\(unticked(shape))`"
            return ("\(k.rawValue)|\(exchangeKey)|\(method ?? "")|\(path ?? "")|\(r.auth ?? "")|\(shape)", g)
        }
    }

    /// Method, path pattern and host of the exchange's request line ("GET http://h/a/1?x" →
    /// "GET", "/a/{id}", "h").
    static func request(_ e: ExchangeRecord?) -> (method: String?, path: String?, host: String?) {
        guard let e, let space = e.requestLine.firstIndex(of: " ") else { return (nil, nil, nil) }
        let method = String(e.requestLine[..<space])
        var url = Substring(e.requestLine[e.requestLine.index(after: space)...])
        if let blank = url.firstIndex(of: " ") { url = url[..<blank] }  // "(WebSocket upgrade)"
        var host: Substring?
        if let scheme = url.firstRange(of: "://") {
            let rest = url[scheme.upperBound...]
            let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
            host = rest[..<end]
            url = rest[end...]
        }
        if let q = url.firstIndex(where: { $0 == "?" || $0 == "#" }) { url = url[..<q] }
        return (method, pathPattern(String(url)), host.map(String.init))
    }

    /// The path with every id-like segment folded: `/api/threads/th_4f2a9c01/messages/17` →
    /// `/api/threads/{id}/messages/{id}`.
    public static func pathPattern(_ path: String) -> String {
        guard !path.isEmpty else { return "/" }
        return path.split(separator: "/", omittingEmptySubsequences: false)
            .map { isID(Substring($0)) ? "{id}" : String($0) }.joined(separator: "/")
    }

    /// A message with what differs from case to case taken out: quoted values become `"…"`,
    /// ids `{id}`, other numbers `{n}`; so "expected 201, got 404" and "expected 200, got 404"
    /// have one shape.
    public static func messageShape(_ message: String) -> String {
        var out = ""
        var word = ""
        var chars = message.makeIterator()
        func flush() {
            guard !word.isEmpty else { return }
            if word.contains(where: \.isASCIIDigit), word.allSatisfy({ $0.isASCIIDigit || $0 == "." }) { out += "{n}" } else { out += isID(Substring(word)) ? "{id}" : word }
            word = ""
        }
        while let c = chars.next() {
            if c == "\"" {
                flush()
                while let d = chars.next(), d != "\"" {}
                out += "\"…\""
            } else if c.isLetter || c.isNumber || c == "_" || c == "-" || c == "." {
                word.append(c)
            } else {
                flush()
                out.append(c)
            }
        }
        flush()
        return out
    }

    /// Numbers, UUIDs, hex ids of 8 or more characters, and prefixed ids (`th_4f2a9c01`,
    /// `user-1234`) whose tail holds a digit.
    static func isID(_ s: Substring) -> Bool {
        guard !s.isEmpty else { return false }
        if s.allSatisfy(\.isASCIIDigit) { return true }
        let hex = s.filter { $0 != "-" }
        if s.count == 36, hex.count == 32, hex.allSatisfy(\.isHexDigit) { return true }
        if s.count >= 8, s.allSatisfy(\.isHexDigit), s.contains(where: \.isASCIIDigit) { return true }
        if let sep = s.lastIndex(where: { $0 == "_" || $0 == "-" }), sep != s.startIndex {
            let tail = s[s.index(after: sep)...]
            return tail.count >= 4 && tail.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } && tail.contains(where: \.isASCIIDigit)
        }
        return false
    }

    /// Backticks would end a code span early; text from responses cannot hold them here.
    static func unticked(_ s: String) -> String { s.replacingAll("`", with: "'") }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
