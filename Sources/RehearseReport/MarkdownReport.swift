import RehearseModel
import RehearseDiagnostics
import RehearseCompiler
import RehearseResults

/// `--report markdown:PATH`: a pull-request comment or job summary (`$GITHUB_STEP_SUMMARY`).
///
/// Headline first (what the exit code says), then gates, run-level next steps, the pass-rate
/// tables, and each failure with its cause and a next step. Everything from plans or responses
/// sits in code spans or fenced blocks, so `<`, `|` or `*` in a message cannot change the layout.
public enum MarkdownReport {
    /// Renders an already-masked run (see `ReportWriter.render`).
    public static func render(_ report: RunReport) -> String {
        let s = RunSummary(report.results)
        let bad = report.results.filter { !$0.outcome.isSuccess }
        let (icon, title) = headline(report, bad: bad.count)
        var out = "## \(icon) \(title)\n\n"
        out += summaryLine(report, s) + "\n\n"
        let gates = report.gateResults
        if !gates.isEmpty {
            out += "**Gates:** " + gates.map { ($0.passed ? "✅ " : "❌ ") + $0.summary }.joined(separator: " · ") + "\n\n"
        }
        let hints = NextSteps.runHints(report)
        if !hints.isEmpty {
            out += "**Next steps**\n\n" + hints.map { "- " + $0 + "\n" }.joined() + "\n"
        }
        out += betweenRuns(report)
        out += "### Pass rate by priority\n\n" + table("priority", s.byPriority) + "\n"
        if !s.byTag.isEmpty { out += "### Pass rate by tag\n\n" + table("tag", s.byTag) + "\n" }
        out += AuthDiagnosisText.markdown(report.authDiagnoses)
        let failedLogins = report.logins.filter { !$0.succeeded }
        if !bad.isEmpty || !failedLogins.isEmpty {
            out += "### Failures\n\n"
            out += "| case | outcome | cause | next step |\n|:--|:--|:--|:--|\n"
            for r in bad {
                out += "| \(code(r.fullID)) | \(r.outcome.rawValue) | \(cell(NextSteps.cause(of: r))) | \(cell(NextSteps.suggestion(for: r) ?? "")) |\n"
            }
            out += "\n"
            for l in failedLogins {
                out += "#### " + code("auth:\(l.profile)") + " — login failed after \(plural(l.attempts, "attempt"))\n\n"
                out += "- " + code(l.failure ?? "failed") + "\n\n"
            }
            for r in bad { out += details(r, insecure: report.insecureTLS) }
        }
        let skipped = report.results.filter { $0.outcome == .skipped }
        if !skipped.isEmpty {
            out += "<details><summary>Skipped (\(skipped.count))</summary>\n\n| case | reason |\n|:--|:--|\n"
            for r in skipped { out += "| \(code(r.fullID)) | \(cell(r.reason ?? "")) |\n" }
            out += "\n</details>\n"
        }
        return out
    }

    /// What the exit code says, in words, with an icon for the markdown heading (the HTML page
    /// colours its header instead: emoji fonts are not a given where CI artifacts are opened).
    static func headline(_ report: RunReport, bad: Int) -> (icon: String, text: String) {
        let cases = plural(report.results.count, "case")
        if report.interrupted {
            // Cases the interrupt cut short are not failures of the system under test.
            let done = report.results.filter { !$0.wasInterrupted }
            let failed = done.filter { !$0.outcome.isSuccess }.count
            return ("⚠️", "Rehearse: interrupted after \(done.count) of \(cases), \(failed) failed")
        }
        // Spec §7: never "all passed" when nothing ran, and skips are not passes.
        let skipped = report.count(.skipped)
        let ran = report.results.count - skipped
        let allPassed = ran == 0 ? "no case ran (\(skipped) skipped)"
            : skipped == 0 ? "all \(cases) passed" : "all \(plural(ran, "case")) that ran passed (\(skipped) skipped)"
        let gates = report.gateResults
        if !gates.isEmpty {
            let missed = gates.filter { !$0.passed }.count
            if missed > 0 {
                return ("❌", "Rehearse: \(plural(missed, "gate")) missed (" + (bad == 0 ? allPassed : "\(bad) of \(cases) failed") + ")")
            }
            return ("✅", bad == 0 ? "Rehearse: gates met, \(allPassed)" : "Rehearse: gates met (\(bad) of \(cases) failed)")
        }
        if bad > 0 { return ("❌", "Rehearse: \(bad) of \(cases) failed") }
        return (ran == 0 ? "⚠️" : "✅", "Rehearse: \(allPassed)")
    }

    static func summaryLine(_ report: RunReport, _ s: RunSummary) -> String {
        var parts = ["**\(plural(s.totals.total, "case"))**: " + report.outcomeCounts]
        parts.append("pass rate \(PassRate.text(s.totals.passRate))")
        parts.append(DurationParser.format(report.duration))
        if let env = report.environment { parts.append("environment " + code(env)) }
        parts.append("seed " + code(String(report.seed)))
        if let shard = report.shard { parts.append("shard \(shard)") }
        if report.insecureTLS { parts.append("⚠️ **TLS certificates not verified** (`--insecure`)") }
        return parts.joined(separator: " · ")
    }

    /// A GitHub table: label, counts, pass rate (numbers right-aligned).
    static func table(_ title: String, _ rows: [SummaryRow]) -> String {
        let (columns, cells) = RunSummary.columns(rows)
        var out = "| \(title) | " + columns.joined(separator: " | ") + " |\n|:--|" + String(repeating: "--:|", count: columns.count) + "\n"
        for r in rows { out += "| \(cell(r.label)) | " + cells(r).joined(separator: " | ") + " |\n" }
        return out
    }

    /// One failing case: what was expected, where, what came back, and what to try.
    static func details(_ r: CaseResult, insecure: Bool = false) -> String {
        var head = "#### " + code(r.fullID) + " — \(r.outcome.rawValue)"
        if r.attempts > 0 { head += " after \(plural(r.attempts, "attempt"))" }
        head += " (\(DurationParser.format(r.duration)))"
        var out = head + "\n\n"
        if let name = r.name { out += "_\(cell(name))_\n\n" }
        for f in r.failures {
            out += "- " + code(f.message)
            if let l = f.location { out += " at " + code(l.file + (l.position.map { ":\($0.line):\($0.column)" } ?? "")) }
            out += "\n"
        }
        if let e = r.exchange {
            out += "- " + code(e.requestLine) + (e.status.map { " → \($0)" } ?? " → no response") + "\n"
        }
        if let hint = NextSteps.suggestion(for: r) { out += "- **Next:** \(hint)\n" }
        if let body = r.exchange?.bodyExcerpt {
            out += "\n<details><summary>response body</summary>\n\n" + fenced(body) + "\n</details>\n"
        }
        if let curl = CurlCommand.of(r, insecure: insecure) { out += "\nReproduce:\n\n" + fenced(curl.text, info: "sh") }
        return out + "\n"
    }

    /// An inline code span whose fence is longer than any backtick run inside (CommonMark).
    static func code(_ s: String) -> String {
        let flat = s.replacingAll("\r", with: " ").replacingAll("\n", with: " ")
        let fence = String(repeating: "`", count: longestRun(of: "`", in: flat) + 1)
        let pad = flat.hasPrefix("`") || flat.hasSuffix("`") ? " " : ""
        return fence + pad + flat + pad + fence
    }

    /// A fenced block that no line of the text can close early.
    static func fenced(_ s: String, info: String = "") -> String {
        let fence = String(repeating: "`", count: max(3, longestRun(of: "`", in: s) + 1))
        return fence + info + "\n" + s + (s.hasSuffix("\n") ? "" : "\n") + fence + "\n"
    }

    /// Plain text in a table cell: a `|` would end the cell, a newline the row, and `<` could
    /// open an HTML tag that GitHub swallows.
    static func cell(_ s: String) -> String {
        s.replacingAll("|", with: "\\|").replacingAll("<", with: "&lt;")
            .replacingAll("\r", with: " ").replacingAll("\n", with: " ")
    }

    static func longestRun(of c: Character, in s: String) -> Int {
        var best = 0, run = 0
        for ch in s {
            run = ch == c ? run + 1 : 0
            best = max(best, run)
        }
        return best
    }

    static func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
}
