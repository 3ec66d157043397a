import RehearseModel
import RehearseResults

extension MarkdownReport {
    /// Failures grouped by cause, each with its next step, then the flaky cases with the attempts
    /// that failed (spec §11). Every value from a plan or a response sits in a code span.
    static func betweenRuns(_ report: RunReport) -> String {
        var out = ""
        let groups = FailureGroups.of(report)
        if !groups.isEmpty {
            out += "### Failures by cause\n\n"
            for g in groups {
                out += "- " + g.line + "\n"
                if g.cases.count > 1 {
                    out += "  <details><summary>\(g.cases.count) cases</summary>\n\n"
                    out += "  " + g.cases.map(code).joined(separator: " · ") + "\n\n  </details>\n"
                }
            }
            out += "\n"
        }
        let flaky = report.flakyResults
        if !flaky.isEmpty {
            out += "### Flaky (\(flaky.count))\n\nPassed only after a retry.\n\n| case | failed attempts |\n|:--|:--|\n"
            for r in flaky {
                out += "| \(code(r.fullID)) | " + r.failedAttempts.map { code($0.summary.replacingAll("|", with: "\\|")) }.joined(separator: "<br>") + " |\n"
            }
            out += "\n"
        }
        return out
    }
}
