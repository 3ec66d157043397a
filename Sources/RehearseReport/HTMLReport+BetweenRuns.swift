import RehearseModel
import RehearseResults

extension HTMLReport {
    /// The failures grouped by cause, each with its next step (spec §11).
    static func groupList(_ report: RunReport) -> String {
        let groups = FailureGroups.of(report)
        guard !groups.isEmpty else { return "" }
        var out = "<h3>By cause</h3>\n<ul class=\"groups\">"
        for g in groups {
            out += "<li>\(inlineCode(g.line))"
            if g.cases.count > 1 {
                out += "<details><summary>\(g.cases.count) cases</summary>"
                out += g.cases.map { "<code>\(e($0))</code>" }.joined(separator: " ") + "</details>"
            }
            out += "</li>"
        }
        return out + "</ul>\n"
    }
}
