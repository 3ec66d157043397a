#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseDiagnostics
import RehearseCompiler
import RehearseResults

/// The machine-readable record of a run (`--report json:PATH`); format in docs/report-format.md.
public enum JSONReport {
    public static let formatVersion = 1

    /// The document of the run, masked field by field: only free text is masked, so a short or
    /// unlucky secret can never rewrite a field name or an outcome.
    public static func document(_ report: RunReport, masker: SecretMasker) -> JSONValue {
        let report = report.masked(by: masker)
        let s = RunSummary(report.results)
        func row(_ r: SummaryRow) -> JSONValue {
            ["label": .string(r.label), "total": .number(Double(r.total)), "passed": .number(Double(r.passed)),
             "failed": .number(Double(r.failed)), "skipped": .number(Double(r.skipped)), "xfailed": .number(Double(r.xfailed)),
             "interrupted": .number(Double(r.interrupted)), "pass_rate": r.passRate.map { .number($0.roundedRatio) } ?? .null]
        }
        var doc: [String: JSONValue] = [
            "format_version": .number(Double(formatVersion)),
            "tool": .string("rehearse \(RehearseVersion.string)"),
            "environment": report.environment.map { .string($0) } ?? .null,
            "seed": .string(String(report.seed)),
            "duration_ms": .number(report.duration.milliseconds.rounded()),
            "interrupted": .bool(report.interrupted),
            "totals": row(s.totals),
            "by_priority": .array(s.byPriority.map(row)),
            "by_tag": .array(s.byTag.map(row)),
            "logins": .array(report.logins.map {
                ["profile": .string($0.profile), "succeeded": .bool($0.succeeded), "attempts": .number(Double($0.attempts)),
                 "failure": $0.failure.map { .string($0) } ?? .null]
            }),
        ]
        if report.insecureTLS { doc["insecure_tls"] = .bool(true) }
        if !report.authDiagnoses.isEmpty { doc["auth_diagnosis"] = .array(report.authDiagnoses.map(\.json)) }
        if let shard = report.shard { doc["shard"] = ["index": .number(Double(shard.index)), "count": .number(Double(shard.count))] }
        if !report.gates.isEmpty {
            doc["gates"] = .array(report.gateResults.map { g in
                ["priority": .string(g.gate.priority.rawValue), "min_percent": .number(g.gate.percent),
                 "pass_rate": g.rate.map { .number($0.roundedRatio) } ?? .null, "passed": .bool(g.passed)]
            })
        }
        doc["results"] = .array(report.results.map(result))
        doc["flaky"] = .number(Double(report.flakyResults.count))
        doc["failure_groups"] = .array(FailureGroups.of(report).map(\.json))
        return .object(doc)
    }

    static func result(_ r: CaseResult) -> JSONValue {
        var o: [String: JSONValue] = [
            "plan": .string(r.planID), "case": .string(r.caseID), "id": .string(r.fullID),
            "outcome": .string(r.outcome.rawValue), "priority": .string(r.priority.rawValue),
            "tags": .array(r.tags.map { .string($0) }), "attempts": .number(Double(r.attempts)),
            "duration_ms": .number((r.duration.milliseconds * 10).rounded() / 10),
            "captures": .array(r.captureNames.map { .string($0) }),
            "failures": .array(r.failures.map { f in
                var fo: [String: JSONValue] = ["kind": .string(f.kind.rawValue), "message": .string(f.message)]
                if let l = f.location {
                    fo["file"] = .string(l.file)
                    if let p = l.position { fo["line"] = .number(Double(p.line)); fo["column"] = .number(Double(p.column)) }
                }
                return .object(fo)
            }),
        ]
        if let n = r.name { o["name"] = .string(n) }
        if let a = r.auth { o["auth"] = .string(a) }
        if let reason = r.reason { o["reason"] = .string(reason) }
        if r.isFlaky { o["flaky"] = .bool(true) }
        if !r.failedAttempts.isEmpty {
            o["failed_attempts"] = .array(r.failedAttempts.map {
                ["attempt": .number(Double($0.number)), "at_ms": .number($0.at.milliseconds.rounded()),
                 "cause": .string($0.cause)]
            })
        }
        if let e = r.exchange {
            var eo: [String: JSONValue] = ["request": .string(e.requestLine)]
            if let s = e.status { eo["status"] = .number(Double(s)) }
            if let b = e.bodyExcerpt { eo["body_excerpt"] = .string(b) }
            if !e.requestHeaders.isEmpty {
                eo["request_headers"] = .array(e.requestHeaders.map { ["name": .string($0.name), "value": .string($0.value)] })
            }
            if let b = e.requestBody { eo["request_body"] = .string(b) }
            if e.kind != .http { eo["kind"] = .string(e.kind.rawValue) }
            eo["response_headers"] = .object(Dictionary(e.responseHeaders.map { ($0.name, JSONValue.string($0.value)) }, uniquingKeysWith: { a, _ in a }))
            o["exchange"] = .object(eo)
        }
        if let l = r.load { o["load"] = loadObject(l) }
        if !r.streams.isEmpty { o["streams"] = .array(r.streams.map(Self.stream)) }
        return .object(o)
    }
}
