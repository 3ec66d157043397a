import RehearseModel
import RehearseDiagnostics
import RehearseCompiler
import RehearseResults

/// Why shard reports cannot be combined.
public struct MergeError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// `rehearse merge`: the shard reports of one suite combined into the report of the whole run.
public enum ReportMerge {
    /// Combines named reports (the name is the file, for messages). Results come out in file
    /// order, as an unsharded run lists them, so the tables are identical. Returns warnings too:
    /// a shard of `N` that is missing is worth saying, but the reports given are still merged.
    public static func merge(_ reports: [(name: String, report: RunReport)]) throws(MergeError) -> (report: RunReport, warnings: [String]) {
        guard let first = reports.first else { throw MergeError(message: "no reports to merge") }
        let environments = Set(reports.map { $0.report.environment ?? "" })
        guard environments.count == 1 else {
            let list = reports.map { "\($0.name) (\($0.report.environment ?? "no environment"))" }.joined(separator: ", ")
            throw MergeError(message: "the reports come from different environments: \(list)")
        }
        var owner: [String: String] = [:]
        for (name, report) in reports {
            for r in report.results {
                if let other = owner[r.fullID] {
                    throw MergeError(message: "\(r.fullID) is in both \(other) and \(name): was one shard given twice, or do the shards come from different selections?")
                }
                owner[r.fullID] = name
            }
        }
        var warnings: [String] = []
        let shards = reports.compactMap(\.report.shard)
        if shards.count == reports.count, let n = shards.first?.count, shards.allSatisfy({ $0.count == n }) {
            let missing = Set(1...n).subtracting(shards.map(\.index)).sorted()
            if !missing.isEmpty {
                warnings.append("missing shard\(missing.count == 1 ? "" : "s") \(missing.map { "\($0)/\(n)" }.joined(separator: ", ")): the merged report covers only the shards given")
            }
        } else if shards.count != reports.count || Set(shards.map(\.count)).count > 1 {
            warnings.append("the reports are not all shards of one split (--shard I/N with the same N)")
        }
        let seeds = Set(reports.map(\.report.seed))
        if seeds.count > 1 { warnings.append("the shards ran with different seeds; the merged report shows the first") }

        // Plans never span shards, so ordering by plan id (stable within a plan) is file order.
        let all = reports.flatMap(\.report.results).enumerated()
            .sorted { $0.element.planID != $1.element.planID ? $0.element.planID < $1.element.planID : $0.offset < $1.offset }
            .map(\.element)
        var merged = RunReport(results: all, logins: mergeLogins(reports.map(\.report)),
                               // Shards run side by side: the run took as long as the slowest.
                               duration: reports.map(\.report.duration).max() ?? .zero,
                               environment: first.report.environment, seed: first.report.seed)
        merged.interrupted = reports.contains { $0.report.interrupted }
        merged.insecureTLS = reports.contains { $0.report.insecureTLS }
        // Each shard probed its own refusals; one diagnosis per profile is enough.
        for d in reports.flatMap(\.report.authDiagnoses) where !merged.authDiagnoses.contains(where: { $0.profile == d.profile }) {
            merged.authDiagnoses.append(d)
        }
        return (merged, warnings)
    }

    /// Every shard logs in on its own; per profile, a failure anywhere is what the reader needs.
    static func mergeLogins(_ reports: [RunReport]) -> [LoginResult] {
        var out: [LoginResult] = []
        for l in reports.flatMap(\.logins) {
            if let i = out.firstIndex(where: { $0.profile == l.profile }) {
                out[i].attempts += l.attempts
                if out[i].succeeded && !l.succeeded {
                    out[i].succeeded = false
                    out[i].failure = l.failure
                }
            } else {
                out.append(l)
            }
        }
        return out
    }
}
