import RehearseModel
import RehearseResults

extension ConsoleReporter {
    /// Flaky cases with the attempts that failed, and the failures grouped by cause with one next
    /// step each (spec §11). Groups are worth a section from two failures on; one failure is
    /// already its own group above.
    func betweenRuns(_ report: RunReport, bad: [CaseResult]) -> String {
        var out = ""
        let flaky = report.flakyResults
        if !flaky.isEmpty {
            out += "\n" + paint("Flaky", "1;33") + " (passed only after a retry)\n"
            for r in flaky {
                out += "  \(r.fullID)\n"
                for a in r.failedAttempts { out += "    \(a.summary)\n" }
            }
        }
        let groups = FailureGroups.of(report)
        if bad.count > 1, !groups.isEmpty {
            out += "\n" + paint("Failures by cause", "1") + "\n"
            for g in groups { out += "  - " + g.line + "\n" }
        }
        return out
    }
}
