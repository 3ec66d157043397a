import Foundation
import RehearseModel
import RehearseDiagnostics
import RehearseCompiler
import RehearseResults

/// Checks, before anything is sent, that the process environment has what the selected cases
/// need (spec §2, exit 3): `require_env`, every `{{ env.X }}`, and the keys of JWT profiles in use.
public enum Preflight {
    public struct Missing: Sendable, Equatable {
        public var name: String
        /// Why it is needed: "required by environment staging", "used at plans/x.yaml:3:5".
        public var reason: String
    }

    public static func missing(_ graph: ExecutableGraph, environment: [String: String]) -> [Missing] {
        var out: [Missing] = []
        func isSet(_ n: String) -> Bool { !(environment[n] ?? "").isEmpty }
        func add(_ n: String, _ reason: String) { if !out.contains(where: { $0.name == n }) { out.append(Missing(name: n, reason: reason)) } }
        if let name = graph.environment, let env = graph.suite.environment(name) {
            for r in env.requireEnv where !isSet(r.value) { add(r.value, "required by environment \(name)") }
        }
        for (name, loc) in graph.environmentReferences.sorted(by: { $0.key < $1.key }) where environment[name] == nil {
            let at = loc.position.map { "\(loc.file):\($0.line):\($0.column)" } ?? loc.file
            add(name, "used at \(at)")
        }
        var profiles = Set<String>()
        for r in graph.cases.values { if case .profile(let p, _) = r.auth { profiles.insert(p.value) } }
        for name in profiles.sorted() {
            guard let p = graph.suite.profile(name), case .jwt(let jwt) = p.kind else { continue }
            if jwt.algorithm.hasPrefix("HS") {
                if AuthProvider.resolveSecret(jwt, environment: environment).source == .missing {
                    add(jwt.secretEnv.first ?? "secret_env", "secret for jwt profile \(name) (one of \(jwt.secretEnv.joined(separator: ", ")))")
                }
            } else if let key = jwt.privateKeyEnv, !isSet(key) {
                add(key, "private key for jwt profile \(name)")
            }
        }
        return out
    }

    public static func message(_ missing: [Missing]) -> String {
        var out = "error: the environment is missing what the selected plans need (nothing was sent):\n"
        let width = missing.map(\.name.count).max() ?? 0
        for m in missing { out += "  \(m.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(m.reason)\n" }
        out += "help: export them, or put them in a dotenv file and pass --env-file FILE\n"
        return out
    }
}
