#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseDiagnostics
import RehearseCompiler
import RehearseResults

/// Checks, before anything is sent, that the process environment has what the selected cases
/// need (spec §2, exit 3): `require_env`, every `{{ env.X }}`, and the keys of JWT profiles in use.
public enum Preflight {
    public struct Missing: Sendable, Equatable {
        public var name: String
        /// Why it is needed: "required by environment staging", "used here".
        public var reason: String
        /// Where it is used or required, when that is a place in a file.
        public var location: SourceLocation?
    }

    public static func missing(_ graph: ExecutableGraph, environment: [String: String]) -> [Missing] {
        var out: [Missing] = []
        func isSet(_ n: String) -> Bool { !(environment[n] ?? "").isEmpty }
        func add(_ n: String, _ reason: String, at location: SourceLocation? = nil) {
            if !out.contains(where: { $0.name == n }) { out.append(Missing(name: n, reason: reason, location: location)) }
        }
        if let name = graph.environment, let env = graph.suite.environment(name) {
            for r in env.requireEnv where !isSet(r.value) {
                add(r.value, "required by environment \(name)",
                    at: graph.suite.file.map { SourceLocation(file: $0, position: r.position, length: r.value.count) })
            }
        }
        for (name, loc) in graph.environmentReferences.sorted(by: { $0.key < $1.key }) where environment[name] == nil {
            add(name, "used here", at: loc)
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

    /// One positioned error per missing variable (the renderer shows where it is used), plus a
    /// summary line; nothing was sent.
    public static func diagnostics(_ missing: [Missing]) -> [Diagnostic] {
        missing.map { m in
            Diagnostic(.missingEnvironment, .error, "\(m.name) is not set (\(m.reason)); nothing was sent",
                       at: m.location ?? SourceLocation(file: "", position: nil),
                       hint: "export \(m.name), or put it in a dotenv file and pass --env-file FILE")
        }
    }

    /// The diagnostics as text, through the one renderer.
    public static func message(_ missing: [Missing], sources: [String: [UInt8]] = [:], color: Bool = false) -> String {
        let renderer = DiagnosticRenderer(sources: sources, color: color)
        return diagnostics(missing).map { renderer.text($0) }.joined()
    }
}
