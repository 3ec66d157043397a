#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseDiagnostics
import RehearseCompiler
import RehearseResults

/// Why a JSON report could not be read back.
public struct ReportDecodeError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

extension JSONReport {
    /// Reads a report written by `document` back into a run, for `rehearse merge`. What the JSON
    /// leaves out (request headers, exchange durations) stays empty; the tables come out the same.
    public static func decode(_ text: String) throws(ReportDecodeError) -> RunReport {
        let doc: JSONValue
        do { doc = try JSONValue.parse(text) } catch { throw ReportDecodeError(message: "\(error)") }
        return try decode(doc)
    }

    public static func decode(_ doc: JSONValue) throws(ReportDecodeError) -> RunReport {
        let top = Reader(doc, "the report")
        let version = try top.int("format_version")
        guard version >= 1, version <= formatVersion else {
            throw ReportDecodeError(message: "format_version \(version) is not supported (this build reads 1...\(formatVersion))")
        }
        var results: [CaseResult] = []
        for (i, item) in try top.array("results").enumerated() {
            results.append(try result(Reader(item, "results[\(i)]")))
        }
        var logins: [LoginResult] = []
        for (i, item) in (try top.optionalArray("logins") ?? []).enumerated() {
            let l = Reader(item, "logins[\(i)]")
            logins.append(LoginResult(profile: try l.string("profile"), succeeded: try l.bool("succeeded"),
                                      attempts: try l.int("attempts"), failure: try l.optionalString("failure")))
        }
        guard let seed = UInt64(try top.optionalString("seed") ?? "0") else {
            throw ReportDecodeError(message: "the report: seed is not a decimal number")
        }
        var report = RunReport(results: results, logins: logins, duration: duration(try top.optionalNumber("duration_ms") ?? 0),
                               environment: try top.optionalString("environment"), seed: seed)
        report.interrupted = try top.optionalBool("interrupted") ?? false
        report.insecureTLS = try top.optionalBool("insecure_tls") ?? false
        report.authDiagnoses = (try top.optionalArray("auth_diagnosis") ?? []).compactMap(AuthDiagnosis.init(json:))
        if let s = top.value["shard"], s != .null {
            let r = Reader(s, "the report's shard")
            report.shard = Shard(index: try r.int("index"), count: try r.int("count"))
        }
        return report
    }

    static func result(_ r: Reader) throws(ReportDecodeError) -> CaseResult {
        guard let outcome = Outcome(rawValue: try r.string("outcome")) else { throw r.error("unknown outcome") }
        guard let priority = Priority(rawValue: try r.string("priority")) else { throw r.error("unknown priority") }
        var failures: [Failure] = []
        for (i, item) in (try r.optionalArray("failures") ?? []).enumerated() {
            let f = Reader(item, "\(r.path).failures[\(i)]")
            guard let kind = Failure.Kind(rawValue: try f.string("kind")) else { throw f.error("unknown failure kind") }
            var location: SourceLocation?
            if let file = try f.optionalString("file") {
                var position: SourcePosition?
                if let line = try f.optionalNumber("line"), let column = try f.optionalNumber("column") {
                    position = SourcePosition(line: Int(line), column: Int(column))
                }
                location = SourceLocation(file: file, position: position)
            }
            failures.append(Failure(kind, try f.string("message"), at: location))
        }
        var c = CaseResult(planID: try r.string("plan"), caseID: try r.string("case"), name: try r.optionalString("name"),
                           priority: priority, tags: try r.strings("tags"), outcome: outcome,
                           attempts: Int(try r.optionalNumber("attempts") ?? 0),
                           duration: duration(try r.optionalNumber("duration_ms") ?? 0), failures: failures,
                           reason: try r.optionalString("reason"))
        c.captureNames = try r.strings("captures")
        c.auth = try r.optionalString("auth")
        for (i, item) in (try r.optionalArray("failed_attempts") ?? []).enumerated() {
            let a = Reader(item, "\(r.path).failed_attempts[\(i)]")
            c.failedAttempts.append(FailedAttempt(number: try a.int("attempt"), at: duration(try a.optionalNumber("at_ms") ?? 0),
                                                  cause: try a.string("cause")))
        }
        if let e = r.value["exchange"] {
            let x = Reader(e, "\(r.path).exchange")
            let headers = (x.value["response_headers"].flatMap { v -> [String: JSONValue]? in
                if case .object(let o) = v { return o } else { return nil }
            } ?? [:]).sorted { $0.key < $1.key }.compactMap { k, v in v.stringValue.map { (name: k, value: $0) } }
            var requestHeaders: [(name: String, value: String)] = []
            for (i, item) in (try x.optionalArray("request_headers") ?? []).enumerated() {
                let h = Reader(item, "\(x.path).request_headers[\(i)]")
                requestHeaders.append((try h.string("name"), try h.string("value")))
            }
            let kind = try x.optionalString("kind").map { k throws(ReportDecodeError) in
                guard let kind = ExchangeKind(rawValue: k) else { throw x.error("unknown kind '\(k)'") }
                return kind
            } ?? .http
            c.exchange = ExchangeRecord(requestLine: try x.string("request"), requestHeaders: requestHeaders,
                                        status: try x.optionalNumber("status").map { Int($0) }, responseHeaders: headers,
                                        bodyExcerpt: try x.optionalString("body_excerpt"), duration: nil,
                                        requestBody: try x.optionalString("request_body"), kind: kind)
        }
        if let l = r.value["load"] {
            let x = Reader(l, "\(r.path).load")
            var percentiles: [(label: String, value: Duration)] = []
            if case .object(let o)? = x.value["latency_ms"] {
                for (label, v) in o { if let ms = v.doubleValue { percentiles.append((label, duration(ms))) } }
            }
            // The object lost the order: p50, p90… by number, `max` last.
            func rank(_ label: String) -> Double { label == "max" ? 1000 : Double(label.dropFirst()) ?? 999 }
            percentiles.sort { rank($0.label) < rank($1.label) }
            c.load = LoadStats(requests: try x.int("requests"), failures: try x.int("failures"), percentiles: percentiles)
            c.load?.detail = try loadDetail(x.value)
        }
        c.streams = streams(r.value["streams"])
        return c
    }

    /// Milliseconds as written (to 0.1 ms) back to a duration.
    static func duration(_ ms: Double) -> Duration { .nanoseconds(Int64((ms * 1_000_000).rounded())) }

    /// Typed reads from one object, with the path in every error.
    struct Reader {
        let value: JSONValue
        let path: String

        init(_ value: JSONValue, _ path: String) {
            self.value = value
            self.path = path
        }

        func error(_ what: String) -> ReportDecodeError { ReportDecodeError(message: "\(path): \(what)") }

        private func field(_ key: String) throws(ReportDecodeError) -> JSONValue? {
            guard case .object(let o) = value else { throw error("expected an object") }
            guard let v = o[key], v != .null else { return nil }
            return v
        }

        func optionalString(_ key: String) throws(ReportDecodeError) -> String? {
            guard let v = try field(key) else { return nil }
            guard let s = v.stringValue else { throw error("\(key) must be a string") }
            return s
        }

        func string(_ key: String) throws(ReportDecodeError) -> String {
            guard let s = try optionalString(key) else { throw error("missing \(key)") }
            return s
        }

        func optionalNumber(_ key: String) throws(ReportDecodeError) -> Double? {
            guard let v = try field(key) else { return nil }
            guard let d = v.doubleValue else { throw error("\(key) must be a number") }
            return d
        }

        func int(_ key: String) throws(ReportDecodeError) -> Int {
            guard let d = try optionalNumber(key) else { throw error("missing \(key)") }
            guard JSONValue.isInteger(d) else { throw error("\(key) must be a whole number") }
            return Int(d)
        }

        func optionalBool(_ key: String) throws(ReportDecodeError) -> Bool? {
            guard let v = try field(key) else { return nil }
            guard case .bool(let b) = v else { throw error("\(key) must be true or false") }
            return b
        }

        func bool(_ key: String) throws(ReportDecodeError) -> Bool {
            guard let b = try optionalBool(key) else { throw error("missing \(key)") }
            return b
        }

        func optionalArray(_ key: String) throws(ReportDecodeError) -> [JSONValue]? {
            guard let v = try field(key) else { return nil }
            guard case .array(let a) = v else { throw error("\(key) must be an array") }
            return a
        }

        func array(_ key: String) throws(ReportDecodeError) -> [JSONValue] {
            guard let a = try optionalArray(key) else { throw error("missing \(key)") }
            return a
        }

        func strings(_ key: String) throws(ReportDecodeError) -> [String] {
            try (optionalArray(key) ?? []).map { v throws(ReportDecodeError) in
                guard let s = v.stringValue else { throw error("\(key) must hold strings") }
                return s
            }
        }
    }
}
