#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseCompiler
import RehearseDiagnostics
import RehearseModel
import RehearseReport
import RehearseResults
import RehearseRuntime
import RehearseTransportNIO

extension Pipeline {
    /// `rehearse auth --probe`: each profile's probe sent with its candidate credentials over the
    /// real transport. Exit 0 when every probed profile's own choice is accepted, 1 otherwise,
    /// 3 when the environment lacks what a profile needs.
    static func probe(_ suite: Suite, _ request: AuthRequest, environment: [String: String], console: Console) async -> ExitStatus {
        let names: [String]
        if let only = request.profile {
            guard suite.profile(only)?.probe != nil else {
                console.error("profile '\(only)' has no `probe:`", code: .noProbe,
                              hint: "add to it in rehearse.yaml: `probe: {request: GET {{ base_url }}/api/me, expect: {status: 200}}`, a request that succeeds only with valid credentials")
                return .invalid
            }
            names = [only]
        } else {
            names = AuthProbeRunner.probed(suite)
            guard !names.isEmpty else {
                console.error("no auth profile has a `probe:`", code: .noProbe,
                              hint: "add one to a profile in rehearse.yaml: `probe: {request: GET {{ base_url }}/api/me, expect: {status: 200}}`")
                return .invalid
            }
        }
        let envName = request.environmentName ?? suite.defaultEnv?.value
        if let envName, suite.environment(envName) == nil {
            let known = suite.environments.map(\.0)
            console.error("no environment '\(envName)' in rehearse.yaml",
                          hint: Suggestions.hint(for: envName, in: known) ?? "environments: \(known.joined(separator: ", "))")
            return .invalid
        }
        // `require_env` holds for probes as for runs: nothing is sent without it (exit 3).
        let unset = (envName.flatMap { suite.environment($0)?.requireEnv } ?? []).filter { (environment[$0.value] ?? "").isEmpty }
        if !unset.isEmpty {
            console.error("\(unset.map(\.value).joined(separator: ", ")) \(unset.count == 1 ? "is" : "are") not set (require_env of environment '\(envName ?? "")')",
                          code: .missingEnvironment, hint: "export \(unset.count == 1 ? "it" : "them") (or pass --env-file); nothing was sent")
            return .environment
        }
        if request.insecure {
            console.warning("--insecure: TLS certificates are not verified, so anyone on the network path can read and change the probes")
        }
        guard let tls = clientTLS(suite, environment: envName, processEnvironment: environment, insecure: request.insecure,
                                  console: console) else { return .environment }
        var options = RunOptions()
        options.environment = environment
        options.jobs = 1
        var transportOptions = AsyncHTTPTransport.Options()
        transportOptions.insecureTLS = request.insecure
        transportOptions.tls = tls
        let transport = AsyncHTTPTransport(options: transportOptions)
        let context: RunContext
        do { context = try RunContext(graph: .suiteOnly(suite, environment: envName), options: options, transport: transport) } catch {
            console.error("cannot render the suite's vars: \(error.message)", code: .missingEnvironment,
                          hint: "`rehearse auth` (without --probe) lists the variables each profile reads")
            await transport.shutdown()
            return .environment
        }
        var diagnoses: [AuthDiagnosis] = []
        for name in names { diagnoses.append(await AuthProbeRunner(context: context).diagnose(name)) }
        await transport.shutdown()
        diagnoses = diagnoses.map { $0.mapText(context.masker.mask) }
        if request.json {
            let doc: JSONValue = ["environment": envName.map { .string($0) } ?? .null, "probes": .array(diagnoses.map(\.json))]
            console.out(doc.prettyText() + "\n")
        } else {
            console.out(diagnoses.map { $0.lines.map(VisibleText.escape).joined(separator: "\n") + "\n" }.joined(separator: "\n"))
        }
        let statuses = diagnoses.map(\.exitStatus)
        if statuses.contains(.environment) { return .environment }
        return statuses.allSatisfy { $0 == .ok } ? .ok : .failed
    }
}
