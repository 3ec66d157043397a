#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseCompiler
import RehearseResults

extension AuthProvider {
    /// A 401 to a profile's valid credentials: the server may have rotated its sessions or keys
    /// mid-run. The credential the case sent (`stale`, its header value) is made again once: the
    /// first case to report it renews it, every other case holding it waits for that and resends
    /// with the new one. Returns false for profiles whose credentials cannot be made again (static
    /// basic, header and bearer credentials).
    func renew(_ name: String, stale: String?) async -> Bool {
        guard let profile = suite.profile(name) else { return false }
        switch profile.kind {
        case .jwt, .oauth2, .login: break
        case .basic, .header, .bearer: return false
        }
        // A renewal that was refused again: the credentials are wrong, not old. Once is enough.
        if notRenewable.contains(name) { return false }
        if let running = loginRenewals[name] {
            _ = await running.value
            return true
        }
        let use = AuthUse.profile(Located(name, at: profile.position), mode: .valid)
        let current = try? await credentials(for: use).headers.value(of: profile.header ?? "Authorization")
        // Another case renewed it already: resend with the new one.
        guard current == stale else { return true }
        if let running = loginRenewals[name] {
            _ = await running.value
            return true
        }
        renewedCount[name, default: 0] += 1
        switch profile.kind {
        case .jwt:
            minted[name] = nil
            return true
        case .oauth2:
            oauth2Tokens[name] = nil
            return true
        default:
            guard let context = run.context else { return false }
            let task = Task { await LoginExecutor(context: context, profile: name).run().succeeded }
            loginRenewals[name] = task
            let succeeded = await task.value
            loginRenewals[name] = nil
            return succeeded
        }
    }

    /// The renewed credentials were refused too: stop renewing this profile for the run.
    func stopRenewing(_ name: String) { notRenewable.insert(name) }

    /// How often each profile was made again after a 401 (for tests and reports).
    public func renewals(of name: String) -> Int { renewedCount[name] ?? 0 }
}
