#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseDiagnostics
import RehearseCompiler
import RehearseResults

/// Fetches a `login` profile's token once per run; every case using the profile waits on it.
struct LoginExecutor {
    let context: RunContext
    let profile: String

    func run() async -> LoginResult {
        if let p = context.graph.suite.profile(profile), case .oauth2(let oauth) = p.kind {
            let fetched = await context.auth.oauth2Fetch(p, oauth)
            switch fetched.result {
            case .success: return LoginResult(profile: profile, succeeded: true, attempts: fetched.attempts, failure: nil)
            case .failure(let e): return LoginResult(profile: profile, succeeded: false, attempts: fetched.attempts, failure: e.description)
            }
        }
        guard let p = context.graph.suite.profile(profile), case .login(let login) = p.kind else {
            return LoginResult(profile: profile, succeeded: false, attempts: 0, failure: "not a login profile")
        }
        func fail(_ message: String, _ attempts: Int) -> LoginResult {
            LoginResult(profile: profile, succeeded: false, attempts: attempts, failure: context.masker.mask(message))
        }
        let renderer = TemplateRenderer(scope: context.baseScope, random: context.random, clock: context.clock)
        let request: HTTPRequestData
        do {
            request = try RequestBuilder.build(login.request, renderer: renderer, common: try context.commonHeaders(renderer),
                                               credentials: .none, timeout: context.options.timeout ?? context.graph.suite.defaults.requestTimeout)
        } catch {
            return fail("cannot render the login request: \(error.message)", 0)
        }
        let response: HTTPResponseData, attempts: Int
        switch await RetryLoop.send(request, policy: context.graph.suite.defaults.retryPolicy, context: context) {
        case .answered(let r, let n): (response, attempts) = (r, n)
        case .failed(let error, let n): return fail("\(request.method) \(request.url): \(error.message)", n)
        // The cases of the profile read exactly "interrupted" as a run cut short, not broken credentials.
        case .interrupted(_, let n): return fail("interrupted", n)
        }
        let observed = ObservedResponse(status: response.status, headers: response.headers, body: response.body,
                                        duration: response.duration, parseJSON: true)
        let checker = ExpectationChecker(evaluator: MatcherEvaluator(renderer: renderer), planFile: context.graph.suite.file ?? "rehearse.yaml",
                                         schemas: context.schemas)
        if let first = checker.check(login.expect, observed).first {
            return fail("\(request.method) \(request.url): \(first.message)", attempts)
        }
        guard case .success(let doc)? = observed.json, let token = ExpectationChecker.select(login.token, doc)?.stringValue else {
            return fail("\(login.token.text) found no token in the login response", attempts)
        }
        await context.auth.storeLoginToken(token, for: profile)
        return LoginResult(profile: profile, succeeded: true, attempts: attempts, failure: nil)
    }
}
