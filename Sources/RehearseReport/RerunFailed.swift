import RehearseCompiler
import RehearseResults

/// `--rerun-failed REPORT.json`: what an earlier run says to run again (spec §11).
public enum RerunFailed {
    /// The results that failed, errored or xpassed in `report`, by id (an `each` instance by its
    /// instance id, so only that instance runs again where the list is static), once each, in
    /// report order. What they need comes in through the graph.
    public static func resultIDs(in report: RunReport) -> [String] {
        var seen = Set<String>()
        return report.results.filter { [.failed, .errored, .xpassed].contains($0.outcome) }
            .map(\.fullID)
            .filter { seen.insert($0).inserted }
    }
}
