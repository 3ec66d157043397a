import RehearseCompiler
import RehearseResults

/// `--rerun-failed REPORT.json`: what an earlier run says to run again (spec §11).
public enum RerunFailed {
    /// The cases that failed, errored or xpassed in `report`, as case ids (an `each` instance
    /// names its case), once each, in report order. What they need comes in through the graph.
    public static func caseIDs(in report: RunReport) -> [String] {
        var seen = Set<String>()
        return report.results.filter { [.failed, .errored, .xpassed].contains($0.outcome) }
            .map { Selection.caseID(ofResult: $0.fullID) }
            .filter { seen.insert($0).inserted }
    }
}
