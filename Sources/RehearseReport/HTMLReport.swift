import RehearseModel
import RehearseDiagnostics
import RehearseCompiler
import RehearseResults

/// `--report html:PATH`: one self-contained page to open from a CI artifact.
///
/// No external assets (the file must open offline and from a zip): styles, an inline SVG chart of
/// pass rates by priority and by tag, a results table filtered by a few lines of plain JS, and
/// failure details. Data lives in the markup, escaped; the script reads it from the DOM, so
/// nothing from a plan or a response is ever inside `<script>`.
public enum HTMLReport {
    /// Renders an already-masked run (see `ReportWriter.render`).
    public static func render(_ report: RunReport) -> String {
        let s = RunSummary(report.results)
        let bad = report.results.filter { !$0.outcome.isSuccess }
        var out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        out += "<title>\(e(MarkdownReport.headline(report, bad: bad.count).text))</title>\n"
        out += "<style>\n\(HTMLAssets.css)</style>\n</head>\n<body>\n"
        out += header(report, s, bad: bad.count)
        out += "<section class=\"charts\">\n"
        out += "<div><h2>Pass rate by priority</h2>\n" + BarChart.svg(s.byPriority, gates: report.gateResults, kind: "priority") + "</div>\n"
        if !s.byTag.isEmpty { out += "<div><h2>Pass rate by tag</h2>\n" + BarChart.svg(s.byTag, gates: [], kind: "tag") + "</div>\n" }
        out += "</section>\n"
        out += AuthDiagnosisText.html(report.authDiagnoses, escape: e)
        out += resultsTable(report, s)
        out += LatencyChart.section(report)
        if !bad.isEmpty || report.logins.contains(where: { !$0.succeeded }) { out += failures(report) }
        out += "<script>\n\(HTMLAssets.script)</script>\n</body>\n</html>\n"
        return out
    }

    static func header(_ report: RunReport, _ s: RunSummary, bad: Int) -> String {
        let noneRan = report.results.allSatisfy { $0.outcome == .skipped }
        let state = report.interrupted ? "interrupted" : report.exitCode != 0 ? "bad" : noneRan ? "none-ran" : "ok"
        var out = "<header class=\"\(state)\">\n<h1>\(e(MarkdownReport.headline(report, bad: bad).text))</h1>\n<p class=\"counts\">"
        // Counted as the console and JSON count them: interrupted cases once, under their own button.
        var counts = Outcome.allCases.map { ($0.rawValue, report.countApartFromInterrupts($0)) }
        if report.interruptedCount > 0 { counts.append(("interrupted", report.interruptedCount)) }
        if !report.flakyResults.isEmpty { counts.append(("flaky", report.flakyResults.count)) }
        out += counts.map { "<button type=\"button\" class=\"pill \($0.0)\" data-filter-outcome=\"\($0.0)\">\($0.1) \($0.0)</button>" }.joined(separator: " ")
        out += "</p>\n<p class=\"meta\">\(s.totals.total) cases · pass rate \(PassRate.text(s.totals.passRate))"
        out += " · \(e(DurationParser.format(report.duration)))"
        if let env = report.environment { out += " · environment <code>\(e(env))</code>" }
        out += " · seed <code>\(report.seed)</code>"
        if let shard = report.shard { out += " · shard \(shard)" }
        if report.insecureTLS { out += " · <strong class=\"insecure\">TLS certificates not verified (--insecure)</strong>" }
        out += "</p>\n"
        let gates = report.gateResults
        if !gates.isEmpty {
            out += "<ul class=\"gates\">" + gates.map { "<li class=\"\($0.passed ? "ok" : "bad")\">\($0.passed ? "✓" : "✗") gate \(e($0.summary))</li>" }.joined() + "</ul>\n"
        }
        let hints = NextSteps.runHints(report)
        if !hints.isEmpty {
            out += "<ul class=\"hints\">" + hints.map { "<li>\(inlineCode($0))</li>" }.joined() + "</ul>\n"
        }
        return out + "</header>\n"
    }

    static func resultsTable(_ report: RunReport, _ s: RunSummary) -> String {
        var outcomes = Outcome.allCases.filter { report.countApartFromInterrupts($0) > 0 }.map(\.rawValue)
        if report.interruptedCount > 0 { outcomes.append("interrupted") }
        if !report.flakyResults.isEmpty { outcomes.append("flaky") }
        var out = "<section>\n<h2>Results</h2>\n<form class=\"filters\" id=\"filters\" onsubmit=\"return false\">\n"
        out += select("outcome", outcomes)
        out += select("priority", s.byPriority.map(\.label))
        out += select("tag", s.byTag.map(\.label))
        out += "<label>text <input type=\"search\" id=\"f-text\" placeholder=\"id, name, message\"></label>\n"
        out += "<span id=\"f-count\"></span>\n</form>\n"
        out += "<table id=\"results\">\n<thead><tr><th>case</th><th>outcome</th><th>priority</th><th>tags</th>"
        out += "<th class=\"num\">attempts</th><th class=\"num\">duration</th><th>cause</th></tr></thead>\n<tbody>\n"
        for (i, r) in report.results.enumerated() {
            let searchable = ([r.fullID, r.name ?? "", r.reason ?? ""] + r.failures.map(\.message)).joined(separator: " ").lowercased()
            out += "<tr data-outcome=\"\(r.wasInterrupted ? "interrupted" : r.outcome.rawValue)\" data-priority=\"\(r.priority.rawValue)\""
            out += " data-tags=\"\(e("|" + r.tags.joined(separator: "|") + "|"))\" data-text=\"\(e(searchable))\""
            out += r.isFlaky ? " data-flaky=\"true\">" : ">"
            let id = r.outcome.isSuccess ? "<code>\(e(r.fullID))</code>" : "<a href=\"#case-\(i)\"><code>\(e(r.fullID))</code></a>"
            out += "<td>\(id)" + (r.name.map { "<div class=\"name\">\(e($0))</div>" } ?? "") + "</td>"
            out += "<td><span class=\"pill \(r.outcome.rawValue)\">\(r.outcome.rawValue)</span>"
            out += (r.isFlaky ? " <span class=\"pill flaky\" title=\"\(e(r.failedAttempts.map(\.summary).joined(separator: "\n")))\">flaky</span>" : "") + "</td>"
            out += "<td>\(r.priority.rawValue)</td><td>" + r.tags.map { "<span class=\"tag\">\(e($0))</span>" }.joined(separator: " ") + "</td>"
            out += "<td class=\"num\">\(r.attempts)</td><td class=\"num\">\(r.outcome == .skipped ? "" : e(DurationParser.format(r.duration)))</td>"
            let cause = r.isFlaky ? r.failedAttempts.map(\.summary).joined(separator: "; ") : r.outcome == .passed ? "" : NextSteps.cause(of: r)
            out += "<td>\(e(cause))</td></tr>\n"
        }
        return out + "</tbody>\n</table>\n</section>\n"
    }

    static func select(_ name: String, _ values: [String]) -> String {
        var out = "<label>\(name) <select id=\"f-\(name)\"><option value=\"\">all</option>"
        for v in values { out += "<option value=\"\(e(v))\">\(e(v))</option>" }
        return out + "</select></label>\n"
    }

    static func failures(_ report: RunReport) -> String {
        var out = "<section>\n<h2>Failures</h2>\n" + groupList(report)
        for l in report.logins where !l.succeeded {
            out += "<article class=\"failure\"><h3><code>auth:\(e(l.profile))</code> login failed</h3>"
            out += "<p class=\"message\">\(e(l.failure ?? "failed"))</p></article>\n"
        }
        for (i, r) in report.results.enumerated() where !r.outcome.isSuccess {
            out += "<article class=\"failure\" id=\"case-\(i)\">\n<h3><code>\(e(r.fullID))</code> <span class=\"pill \(r.outcome.rawValue)\">\(r.outcome.rawValue)</span>"
            var notes: [String] = []
            if r.attempts > 0 { notes.append("\(r.attempts) attempt\(r.attempts == 1 ? "" : "s")") }
            notes.append(DurationParser.format(r.duration))
            out += " <small>\(e(notes.joined(separator: ", ")))</small></h3>\n"
            if let name = r.name { out += "<p class=\"name\">\(e(name))</p>\n" }
            out += "<ul>"
            for f in r.failures {
                out += "<li><span class=\"kind\">\(f.kind.rawValue)</span> <span class=\"message\">\(e(f.message))</span>"
                if let l = f.location { out += " <small>at \(e(l.file + (l.position.map { ":\($0.line):\($0.column)" } ?? "")))</small>" }
                out += "</li>"
            }
            out += "</ul>\n"
            if let x = r.exchange {
                var text = "> \(x.requestLine)\n"
                for h in x.requestHeaders { text += "> \(h.name): \(h.value)\n" }
                if let s = x.status { text += "< \(s)\n" } else { text += "< (no response)\n" }
                for h in x.responseHeaders { text += "< \(h.name): \(h.value)\n" }
                if let b = x.bodyExcerpt { text += "\n\(b)\n" }
                out += "<pre>\(e(text))</pre>\n"
            }
            out += StreamTimeline.svg(r.streams)
            if let hint = NextSteps.suggestion(for: r) { out += "<p class=\"next\">Next: \(inlineCode(hint))</p>\n" }
            if let curl = CurlCommand.of(r, insecure: report.insecureTLS) { out += "<p>Reproduce:</p>\n<pre class=\"curl\">\(e(curl.text))</pre>\n" }
            out += "</article>\n"
        }
        return out + "</section>\n"
    }

    /// Escapes, then turns the hints' `backtick` spans into `<code>`.
    static func inlineCode(_ s: String) -> String {
        let parts = s.split(separator: "`", omittingEmptySubsequences: false)
        guard parts.count % 2 == 1 else { return e(s) }
        return parts.enumerated().map { i, p in i % 2 == 1 ? "<code>\(e(String(p)))</code>" : e(String(p)) }.joined()
    }

    static func e(_ s: String) -> String { XMLEscape.escape(s, attribute: true) }
}

/// Horizontal bars of pass rates, one per row, with each gate drawn as a mark on its bar.
enum BarChart {
    static let labelWidth = 150, barWidth = 320, rowHeight = 28, valueWidth = 110

    static func svg(_ rows: [SummaryRow], gates: [GateResult], kind: String) -> String {
        let width = labelWidth + barWidth + valueWidth
        let height = max(1, rows.count) * rowHeight + 8
        var out = "<svg class=\"chart\" viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\" role=\"img\""
        out += " aria-label=\"pass rate by \(kind)\">\n"
        for (i, r) in rows.enumerated() {
            let y = 4 + i * rowHeight
            let gate = gates.first { $0.gate.priority.rawValue == r.label }
            let label = r.label.count > 20 ? String(r.label.prefix(19)) + "…" : r.label
            let value = r.passRate.map { "\($0) (\($0.good)/\($0.ran))" } ?? "– (none ran)"
            out += "<g class=\"bar\" data-filter-\(kind)=\"\(HTMLReport.e(r.label))\"><title>\(HTMLReport.e(r.label)): \(HTMLReport.e(value))</title>"
            out += "<text x=\"\(labelWidth - 8)\" y=\"\(y + 18)\" text-anchor=\"end\">\(HTMLReport.e(label))</text>"
            out += "<rect class=\"track\" x=\"\(labelWidth)\" y=\"\(y + 4)\" width=\"\(barWidth)\" height=\"\(rowHeight - 8)\" rx=\"3\"/>"
            if let rate = r.passRate?.ratio {
                let w = Int((rate * Double(barWidth)).rounded())
                out += "<rect class=\"\(color(rate, gate))\" x=\"\(labelWidth)\" y=\"\(y + 4)\" width=\"\(w)\" height=\"\(rowHeight - 8)\" rx=\"3\"/>"
            }
            if let gate {
                let x = labelWidth + Int((gate.gate.percent / 100 * Double(barWidth)).rounded())
                out += "<line class=\"gate\" x1=\"\(x)\" x2=\"\(x)\" y1=\"\(y)\" y2=\"\(y + rowHeight)\"/>"
            }
            out += "<text x=\"\(labelWidth + barWidth + 8)\" y=\"\(y + 18)\">\(HTMLReport.e(value))</text></g>\n"
        }
        return out + "</svg>\n"
    }

    /// Green at 100% or at/above its gate, amber from 80%, red below.
    static func color(_ rate: Double, _ gate: GateResult?) -> String {
        if let gate { return gate.passed ? "good" : "poor" }
        return rate >= 1 ? "good" : rate >= 0.8 ? "fair" : "poor"
    }
}
