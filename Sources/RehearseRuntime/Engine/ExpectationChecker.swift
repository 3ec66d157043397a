#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseDiagnostics
import RehearseCompiler
import RehearseResults

/// A response reduced to what expectations read: status, headers, raw text and parsed JSON.
public struct ObservedResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    public var duration: Duration
    /// Parsed once, on first use by a JSON expectation or capture.
    public let json: Result<JSONValue, JSONParseError>?

    public init(status: Int, headers: [(name: String, value: String)], body: [UInt8], duration: Duration, parseJSON: Bool) {
        self.status = status
        self.headers = headers
        self.body = body
        self.duration = duration
        self.json = parseJSON ? Result { () throws(JSONParseError) -> JSONValue in
            do { return try JSONValue.parse(body) } catch let e as JSONParseError { throw e } catch {
                throw JSONParseError(description: "invalid JSON")
            }
        } : nil
    }

    public func header(_ name: String) -> String? {
        headers.value(of: name)
    }

    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// Checks an `Expectation` against a response and extracts captures.
public struct ExpectationChecker: Sendable {
    public let evaluator: MatcherEvaluator
    /// The plan file, for failure locations and for resolving `schema:` paths.
    public let planFile: String
    public let schemas: SchemaStore

    public init(evaluator: MatcherEvaluator, planFile: String, schemas: SchemaStore) {
        self.evaluator = evaluator
        self.planFile = planFile
        self.schemas = schemas
    }

    func loc(_ p: SourcePosition?) -> SourceLocation? { p.map { SourceLocation(file: planFile, position: $0) } }

    /// Every failed expectation (empty: all hold). `defaultStatus` applies when none is written.
    public func check(_ e: Expectation, _ r: ObservedResponse, defaultStatus: StatusSpec? = nil, skipTiming: Bool = false)
        -> [Failure]
    {
        var failures: [Failure] = []
        func fail(_ message: String, _ p: SourcePosition?) { failures.append(Failure(.assertion, message, at: loc(p))) }
        if let status = e.status ?? defaultStatus, !status.matches(r.status) {
            fail("status: expected \(status), got \(r.status)", e.position)
        }
        do {
            for h in e.headers {
                if let why = try evaluator.check(h.matcher, r.header(h.name).map { .string($0) }) {
                    fail("header \(h.name): \(why)", h.position)
                }
            }
            if let m = e.body, let why = try evaluator.check(m, .string(r.text)) {
                // A binary body is named, not quoted: its bytes are no use in a message.
                if let shown = BodyText.placeholder(r.body, contentType: r.header("Content-Type")) {
                    fail("body: expected \(evaluator.describe(m)), found \(shown)", e.position)
                } else {
                    fail("body: \(why)", e.position)
                }
            }
            if !e.json.isEmpty || e.schema != nil {
                switch r.json {
                case .success(let doc)?:
                    for a in e.json {
                        if let why = try evaluator.check(a.matcher, path: a.path, in: doc) {
                            fail("\(a.path.text): \(why)", a.position)
                        }
                    }
                    if let schema = e.schema {
                        for problem in schemas.validate(doc, schemaPath: schema.value, planFile: planFile).prefix(5) {
                            fail("schema \(schema.value): \(problem)", schema.position)
                        }
                    }
                case .failure(let err)?:
                    fail("body is not JSON (\(err.description)); JSON expectations cannot be checked", e.json.first?.position ?? e.position)
                case nil:
                    break
                }
            }
        } catch {
            failures.append(Failure(.template, "cannot render an expected value: \(error.message)", at: loc(e.position)))
        }
        if !skipTiming, let max = e.duration, r.duration > max {
            fail("duration: expected at most \(DurationParser.format(max)), took \(DurationParser.format(r.duration))", e.position)
        }
        return failures
    }

    /// A path's nodes as one value (spec §7): a singular query (names and indices only) gives its
    /// node or nothing; any other query gives the array of its nodes, even of one or none, so
    /// `$.items[*].id` means a list whatever the response holds.
    public static func select(_ path: JSONPath, _ doc: JSONValue) -> JSONValue? {
        let nodes = path.select(in: doc)
        if path.isSingular { return nodes.first }
        return .array(nodes)
    }

    /// The values of `capture:`; a capture that finds nothing is a failure of the case.
    public func captures(_ specs: [Capture], _ r: ObservedResponse) -> (values: [String: JSONValue], failures: [Failure]) {
        var values: [String: JSONValue] = [:]
        var failures: [Failure] = []
        for c in specs {
            switch c.source {
            case .jsonPath(let path):
                guard case .success(let doc)? = r.json else {
                    failures.append(Failure(.assertion, "capture \(c.name): body is not JSON", at: loc(c.position)))
                    continue
                }
                if let v = Self.select(path, doc) { values[c.name] = v } else {
                    failures.append(Failure(.assertion, "capture \(c.name): \(path.text) selected nothing", at: loc(c.position)))
                }
            case .header(let name):
                if let v = r.header(name) { values[c.name] = .string(v) } else {
                    failures.append(Failure(.assertion, "capture \(c.name): no \(name) header in the response", at: loc(c.position)))
                }
            case .body(let regex):
                let pattern = (try? evaluator.renderer.renderString(regex.pattern)) ?? regex.pattern.source
                switch Self.firstGroup(pattern, in: r.text) {
                case .success(let v?): values[c.name] = .string(v)
                case .success(nil):
                    failures.append(Failure(.assertion, "capture \(c.name): /\(pattern)/ did not match the body", at: loc(c.position)))
                case .failure(let gaveUp):
                    failures.append(Failure(.assertion, "capture \(c.name): \(gaveUp.message)", at: loc(c.position)))
                }
            }
        }
        return (values, failures)
    }

    /// The first capture group of the first match (or the whole match when there is no group).
    /// Fails when the match ran out of its budget (`BoundedRegex`).
    static func firstGroup(_ pattern: String, in text: String) -> Result<String?, RegexGaveUp> {
        guard let regex = RegexStore.shared.regex(pattern) else { return .success(nil) }
        let m: Regex<AnyRegexOutput>.Match
        switch BoundedRegex.firstMatch(pattern, regex, in: text) {
        case .found(let found): m = found
        case .notFound: return .success(nil)
        case .gaveUp(let budget): return .failure(RegexGaveUp(message: BoundedRegex.gaveUpMessage(pattern, after: budget)))
        }
        let output = m.output
        if output.count > 1, let sub = output[1].substring { return .success(String(sub)) }
        return .success(output[0].substring.map(String.init))
    }

    struct RegexGaveUp: Error { var message: String }
}
