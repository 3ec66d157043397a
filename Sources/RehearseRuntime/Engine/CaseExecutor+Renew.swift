#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseCompiler

extension CaseExecutor {
    /// Sends the request. A 401 to a profile's valid credentials (a server that rotated its
    /// sessions or keys mid-run) makes the profile's credentials again, once for all the cases
    /// that hold the old ones, and sends the request again with the new ones. When the new ones
    /// are refused too, the profile is not made again for the rest of the run.
    func sendRenewingOn401(_ request: HTTPRequestData, _ spec: HTTPRequestSpec) async throws(TransportError) -> HTTPResponseData {
        let response = try await context.transport.send(request)
        guard response.status == 401, case .profile(let name, .valid) = resolved.auth,
              let profile = context.graph.suite.profile(name.value) else { return response }
        let stale = request.headers.value(of: profile.header ?? "Authorization")
        guard await context.auth.renew(name.value, stale: stale) else { return response }
        guard case .ready(let fresh, _) = await prepare(spec) else { return response }
        let again = try await context.transport.send(fresh)
        if again.status == 401 { await context.auth.stopRenewing(name.value) }
        return again
    }
}
