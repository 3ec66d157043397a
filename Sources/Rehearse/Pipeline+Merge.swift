#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseDiagnostics
import RehearseModel
import RehearseReport
import RehearseResults

extension Pipeline {
    /// `rehearse merge`: the JSON reports of `--shard` runs, combined into the whole run's.
    public struct MergeRequest: Sendable {
        public var inputs: [String]
        public var reports: [ReportTarget] = []
        public var gates: [Gate] = []
        public var quiet = false

        public init(inputs: [String]) { self.inputs = inputs }
    }

    /// Reads the shards, prints the combined summary, writes the reports; the status is that of
    /// the combined run (its gates included).
    public static func merge(_ request: MergeRequest, console: Console) -> ExitStatus {
        guard !request.inputs.isEmpty else {
            console.error("give at least one JSON report to merge")
            return .invalid
        }
        let problems = ReportTarget.problems(request.reports, inputs: request.inputs)
        if !problems.isEmpty {
            console.report(problems.map { .commandLine(.reportTarget, $0) })
            return .invalid
        }
        var shards: [(name: String, report: RunReport)] = []
        for path in request.inputs {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                console.error("cannot read \(path)")
                return .invalid
            }
            do { shards.append((path, try JSONReport.decode(text))) } catch {
                console.error("\(path) is not a rehearse JSON report: \(error.message)",
                              hint: "merge reads the reports of `rehearse run --report json:PATH`")
                return .invalid
            }
        }
        var merged: RunReport
        do {
            let (report, warnings) = try ReportMerge.merge(shards)
            for w in warnings { console.warning(w) }
            merged = report
        } catch {
            console.error(error.message)
            return .invalid
        }
        merged.gates = request.gates
        let status = merged.exitStatus
        let reporter = ConsoleReporter(live: false, color: console.colorOut, verbosity: request.quiet ? .quiet : .normal) { _ in }
        console.out(reporter.finalText(merged, exitCode: status.rawValue))
        // The shard reports were masked when written; nothing secret is known here.
        let wrote = writeReports(request.reports, merged, masker: SecretMasker(), quiet: request.quiet, console: console)
        if status != .ok { return status }
        if !wrote { console.out("exit \(ExitStatus.failed.rawValue): a report could not be written\n") }
        return wrote ? .ok : .failed
    }
}
