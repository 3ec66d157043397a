#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization
import RehearseModel
import RehearseCompiler

/// A weak link from the auth provider back to its run (the run owns the provider).
final class RunLink: Sendable {
    private struct Weak: @unchecked Sendable { weak var context: RunContext? }
    private let box = Mutex(Weak())

    func attach(_ context: RunContext) { box.withLock { $0.context = context } }
    var context: RunContext? { box.withLock { $0.context } }
}

extension AuthProvider {
    /// The profile's token: fetched once, shared by every case, and fetched again shortly before
    /// `expires_in` runs out. Cases that ask while a fetch is under way wait for that one.
    func oauth2Token(_ profile: AuthProfile, _ oauth: OAuth2Profile) async throws(AuthError) -> OAuth2Token {
        if let held = oauth2Tokens[profile.name], held.token.isFresh(at: clock.now(), lifetime: held.lifetime) {
            return held.token
        }
        switch await oauth2Fetch(profile, oauth).result {
        case .success(let token): return token
        case .failure(let error): throw AuthError(description: "profile '\(profile.name)': \(error.description)")
        }
    }

    /// `oauth2Token` as a result, for callers that report the failure rather than throw it.
    func oauth2Result(_ profile: AuthProfile, _ oauth: OAuth2Profile) async -> Result<OAuth2Token, AuthError> {
        do { return .success(try await oauth2Token(profile, oauth)) } catch { return .failure(error) }
    }

    /// Starts a fetch, or joins the one under way; the graph's session node calls this first.
    func oauth2Fetch(_ profile: AuthProfile, _ oauth: OAuth2Profile) async -> OAuth2Client.Fetched {
        let task: Task<OAuth2Client.Fetched, Never>
        if let running = oauth2Fetches[profile.name] {
            task = running
        } else {
            guard let context = run.context else {
                return .init(result: .failure(AuthError(description: "profile '\(profile.name)': no run to fetch a token in")),
                             lifetime: nil, attempts: 0)
            }
            let renderer = self.renderer
            task = Task { await OAuth2Client(context: context, renderer: renderer).fetch(profile, oauth) }
            oauth2Fetches[profile.name] = task
        }
        let fetched = await task.value
        if oauth2Fetches[profile.name] == task { oauth2Fetches[profile.name] = nil }
        if case .success(let token) = fetched.result { oauth2Tokens[profile.name] = (token, fetched.lifetime) }
        return fetched
    }
}
