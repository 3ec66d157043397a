import RehearseModel
import RehearseResults
import RehearseRuntime
import RehearseCompiler

extension Pipeline {
    /// Spec §10: for each profile with a probe whose valid credentials every case saw refused
    /// (401/403), the probe's diagnosis, run once after the cases.
    static func diagnoseRefusals(_ report: RunReport, _ context: RunContext) async -> [AuthDiagnosis] {
        guard !report.interrupted else { return [] }
        var out: [AuthDiagnosis] = []
        for name in AuthProbeRunner.refusedEverywhere(report, suite: context.graph.suite) {
            out.append(await AuthProbeRunner(context: context).diagnose(name))
        }
        return out
    }
}
