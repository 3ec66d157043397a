#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseCompiler
import RehearseDiagnostics
import RehearseReport
import RehearseResults
import RehearseModel

extension Pipeline {
    /// The case ids `--rerun-failed PATH` selects, or nil with the error printed (exit 2).
    static func rerunSelection(_ path: String, console: Console) -> [String]? {
        guard let report = readReport(path, flag: "--rerun-failed", console: console) else { return nil }
        return RerunFailed.resultIDs(in: report)
    }

    /// A JSON report read back, or nil with a clear error and hint on standard error.
    static func readReport(_ path: String, flag: String, console: Console) -> RunReport? {
        guard let data = FileManager.default.contents(atPath: path) else {
            console.error("\(flag): cannot read \(path)", hint: "give the JSON report of an earlier run (`rehearse run --report json:PATH`)")
            return nil
        }
        do { return try JSONReport.decode(String(decoding: data, as: UTF8.self)) } catch {
            console.error("\(flag): \(path) is not a rehearse JSON report: \(error.message)",
                          hint: "give the JSON report of an earlier run (`rehearse run --report json:PATH`)")
            return nil
        }
    }

    /// Whether every case the report names is still in the suite; an error naming the missing
    /// ones otherwise, since running "the failures" without some of them would look green.
    static func rerunIDsExist(_ ids: Set<String>, in graph: ExecutableGraph, report path: String, console: Console) -> Bool {
        let known = Set(graph.plans.flatMap { p in p.cases.map { "\(p.id)/\($0.id)" } })
        let missing = ids.filter { !known.contains(Selection.caseID(ofResult: $0)) }.sorted()
        guard !missing.isEmpty else { return true }
        let shown = missing.prefix(5).joined(separator: ", ") + (missing.count > 5 ? " and \(missing.count - 5) more" : "")
        console.error("--rerun-failed: \(missing.count) case\(missing.count == 1 ? "" : "s") of \(path) \(missing.count == 1 ? "is" : "are") not in this suite: \(shown)",
                      hint: "the report comes from other plans (renamed or removed cases, another suite): run the suite without --rerun-failed, or pick cases with --filter")
        return false
    }
}
