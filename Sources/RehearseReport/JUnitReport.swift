import RehearseModel
import RehearseDiagnostics
import RehearseCompiler
import RehearseResults

/// `--report junit:PATH`: JUnit XML as CI systems read it (GitHub test reporters, GitLab, Jenkins).
///
/// One `<testsuite>` per plan, one `<testcase>` per case. `failed` and `xpassed` become
/// `<failure>`, `errored` `<error>`, `skipped` `<skipped>`; `xfailed` is a passing test case, as
/// it counts as passed in the pass rate. Every case carries its priority, tags, attempts and
/// outcome as properties, so a CI dashboard can slice by them.
public enum JUnitReport {
    /// Renders an already-masked run (see `ReportWriter.render`).
    public static func render(_ report: RunReport) -> String {
        var plans: [(id: String, results: [CaseResult])] = []
        for r in report.results {
            if plans.last?.id == r.planID { plans[plans.count - 1].results.append(r) } else { plans.append((r.planID, [r])) }
        }
        let all = Counts(report.results)
        var out = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        out += "<testsuites name=\"rehearse\" tests=\"\(all.tests)\" failures=\"\(all.failures)\" errors=\"\(all.errors)\""
        out += " skipped=\"\(all.skipped)\" time=\"\(seconds(report.duration))\">\n"
        for plan in plans {
            let c = Counts(plan.results)
            let time = plan.results.reduce(Duration.zero) { $0 + $1.duration }
            out += "  <testsuite name=\(attr(plan.id)) tests=\"\(c.tests)\" failures=\"\(c.failures)\" errors=\"\(c.errors)\""
            out += " skipped=\"\(c.skipped)\" time=\"\(seconds(time))\">\n"
            var props: [(String, String)] = []
            if let env = report.environment { props.append(("environment", env)) }
            props.append(("seed", String(report.seed)))
            if let shard = report.shard { props.append(("shard", shard.description)) }
            if report.insecureTLS { props.append(("insecure_tls", "true")) }
            props.append(("pass_rate", PassRate.text(RunSummary(plan.results).totals.passRate)))
            out += properties(props, indent: "    ")
            for r in plan.results { out += testCase(r) }
            out += "  </testsuite>\n"
        }
        out += "</testsuites>\n"
        return out
    }

    static func testCase(_ r: CaseResult) -> String {
        var out = "    <testcase name=\(attr(r.caseID)) classname=\(attr(r.planID)) time=\"\(seconds(r.duration))\">\n"
        var props = [("priority", r.priority.rawValue), ("tags", r.tags.joined(separator: ",")),
                     ("attempts", String(r.attempts)), ("outcome", r.outcome.rawValue)]
        if let name = r.name { props.append(("name", name)) }
        if let auth = r.auth { props.append(("auth", auth)) }
        if r.isFlaky { props.append(("flaky", "true")) }
        if !r.failedAttempts.isEmpty { props.append(("failed_attempts", r.failedAttempts.map(\.summary).joined(separator: "; "))) }
        out += properties(props, indent: "      ")
        let first = r.failures.first
        switch r.outcome {
        case .failed, .xpassed:
            out += "      <failure message=\(attr(first?.message ?? r.outcome.rawValue)) type=\(attr(first?.kind.rawValue ?? r.outcome.rawValue))>"
            out += text(details(r)) + "</failure>\n"
        case .errored:
            out += "      <error message=\(attr(first?.message ?? "errored")) type=\(attr(first?.kind.rawValue ?? "error"))>"
            out += text(details(r)) + "</error>\n"
        case .skipped:
            out += "      <skipped message=\(attr(r.reason ?? "skipped"))/>\n"
        case .xfailed:
            out += "      <system-out>\(text("expected failure: \(r.reason ?? "xfail")\n" + details(r)))</system-out>\n"
        case .passed:
            break
        }
        out += "    </testcase>\n"
        return out
    }

    /// The body of a failure element: every failure with its place, then the exchange.
    static func details(_ r: CaseResult) -> String {
        var lines: [String] = []
        for f in r.failures {
            var line = f.message
            if let l = f.location {
                line += " (\(l.file)" + (l.position.map { ":\($0.line):\($0.column)" } ?? "") + ")"
            }
            lines.append(line)
        }
        if let e = r.exchange {
            lines.append("> \(e.requestLine)")
            if let s = e.status { lines.append("< \(s)") }
            if let b = e.bodyExcerpt { lines.append("< \(b)") }
        }
        if let hint = NextSteps.suggestion(for: r) { lines.append("next: \(hint)") }
        return lines.joined(separator: "\n")
    }

    static func properties(_ props: [(String, String)], indent: String) -> String {
        var out = indent + "<properties>\n"
        for (k, v) in props { out += indent + "  <property name=\(attr(k)) value=\(attr(v))/>\n" }
        return out + indent + "</properties>\n"
    }

    struct Counts {
        var tests = 0, failures = 0, errors = 0, skipped = 0
        init(_ results: [CaseResult]) {
            for r in results {
                tests += 1
                switch r.outcome {
                case .failed, .xpassed: failures += 1
                case .errored: errors += 1
                case .skipped: skipped += 1
                case .passed, .xfailed: break
                }
            }
        }
    }

    /// Seconds with millisecond precision, as the schema's `time` wants (a decimal, no unit).
    static func seconds(_ d: Duration) -> String {
        let ms = Int((d.milliseconds).rounded())
        let frac = String(ms % 1000)
        return "\(ms / 1000)." + String(repeating: "0", count: 3 - frac.count) + frac
    }

    /// A quoted attribute value.
    static func attr(_ s: String) -> String { "\"" + XMLEscape.escape(s, attribute: true) + "\"" }
    static func text(_ s: String) -> String { XMLEscape.escape(s, attribute: false) }
}

/// Escaping for XML and HTML text: markup characters become entities, and characters XML 1.0
/// forbids (most controls, which a response body can hold) become U+FFFD, so the file always parses.
public enum XMLEscape {
    public static func escape(_ s: String, attribute: Bool) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            // In an attribute, a raw newline or tab would be normalised to a space by the parser.
            case "\n": out += attribute ? "&#10;" : "\n"
            case "\r": out += "&#13;"
            case "\t": out += attribute ? "&#9;" : "\t"
            default:
                let v = u.value
                if v < 0x20 || (0xD800...0xDFFF).contains(v) || v == 0xFFFE || v == 0xFFFF {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out
    }
}
