#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseDiagnostics
import RehearseModel
import RehearseParser
import RehearseRuntime

extension Pipeline {
    /// `rehearse auth`: which secret each profile signs with, what its tokens carry.
    public struct AuthRequest: Sendable {
        public var paths: [String]
        public var environmentName: String?
        public var profile: String?
        public var environment: [String: String]
        public var envFiles: [String] = []
        public var json = false
        /// `--probe`: send each profile's probe and say which credentials the server accepts.
        public var probe = false
        /// `--insecure`: do not verify TLS certificates while probing.
        public var insecure = false

        public init(paths: [String], environment: [String: String]) {
            self.paths = paths
            self.environment = environment
        }
    }

    /// Exit 3 when a profile cannot make its credentials (as `run` would before sending anything).
    public static func auth(_ request: AuthRequest, console: Console) async -> ExitStatus {
        let loaded = SuiteLoader.load(paths: request.paths)
        let errors = loaded.diagnostics.filter { $0.severity == .error && $0.location.file == loaded.suite.file }
        if !errors.isEmpty {
            console.report(errors, sources: loaded.sources)
            return .invalid
        }
        if let profile = request.profile, loaded.suite.profile(profile) == nil {
            let names = loaded.suite.auth.map(\.0)
            console.error("no auth profile '\(profile)'",
                          hint: Suggestions.hint(for: profile, in: names) ?? "profiles: \(names.joined(separator: ", "))")
            return .invalid
        }
        let environment: [String: String]
        do { environment = try DotEnv.environment(request.environment, filledFrom: request.envFiles) } catch {
            console.error(error.message, hint: error.hint)
            return .invalid
        }
        if request.probe { return await probe(loaded.suite, request, environment: environment, console: console) }
        let doc = await AuthInspection.inspect(suite: loaded.suite, environmentName: request.environmentName ?? loaded.suite.defaultEnv?.value,
                                               processEnvironment: environment, profile: request.profile)
        console.out(request.json ? doc.prettyText() + "\n" : AuthInspection.text(doc))
        return AuthInspection.allUsable(doc) ? .ok : .environment
    }
}
