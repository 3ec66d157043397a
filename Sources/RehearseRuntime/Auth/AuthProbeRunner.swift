#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseDiagnostics
import RehearseCompiler
import RehearseResults

/// Sends a profile's `probe` (spec §10): for a `jwt` profile with a secret, once per candidate
/// secret (each `secret_env` variable that is set, then `secret_default`); for any other
/// profile, once with its own credentials. The answers become an `AuthDiagnosis`.
public struct AuthProbeRunner: Sendable {
    let context: RunContext

    public init(context: RunContext) { self.context = context }

    /// The profiles of the suite that have a probe, in file order.
    public static func probed(_ suite: Suite) -> [String] { suite.auth.filter { $0.1.probe != nil }.map(\.0) }

    /// Profiles whose `valid` credentials every case that sent them saw refused (401/403): the
    /// run's own reason to probe (spec §10).
    public static func refusedEverywhere(_ report: RunReport, suite: Suite) -> [String] {
        probed(suite).filter { name in
            let sent = report.results.filter { $0.auth == name && $0.outcome != .skipped && !$0.wasInterrupted }
            // A case that passed on its 401/403 expected the refusal: that proves nothing either way.
            return !sent.isEmpty && sent.allSatisfy { [401, 403].contains($0.exchange?.status ?? 0) }
                && sent.contains { !$0.outcome.isSuccess }
        }
    }

    public func diagnose(_ name: String) async -> AuthDiagnosis {
        guard let profile = context.graph.suite.profile(name) else {
            return AuthDiagnosis(profile: name, kind: "?", probe: "-", candidates: [], verdict: .notSent, conclusion: "no profile '\(name)'")
        }
        guard let probe = profile.probe else {
            return AuthDiagnosis(profile: name, kind: profile.kindName, probe: "-", candidates: [], verdict: .notSent,
                                 conclusion: "'\(name)' has no `probe:`; add `probe: {request: ..., expect: {status: 200}}` to rehearse.yaml")
        }
        let renderer = TemplateRenderer(scope: context.baseScope, random: context.random, clock: context.clock)
        let shown = context.masker.mask("\(probe.request.method) \((try? renderer.renderString(probe.request.url)) ?? probe.request.url.source)")
        func diagnosis(_ candidates: [AuthDiagnosis.Candidate], _ verdict: AuthDiagnosis.Verdict, _ conclusion: String,
                       _ notes: [String] = []) -> AuthDiagnosis {
            AuthDiagnosis(profile: name, kind: profile.kindName, probe: shown, candidates: candidates, verdict: verdict,
                          conclusion: context.masker.mask(conclusion), notes: notes.map { context.masker.mask($0) })
        }
        if case .jwt(let jwt) = profile.kind, jwt.algorithm.hasPrefix("HS") {
            return await diagnoseSecrets(profile, jwt, probe, renderer, diagnosis)
        }
        // A variable the profile reads is unset: the environment lacks what it needs.
        var unset: [String] = []
        profile.forEachTemplate { t in
            for case .name(let s) in t.expressions where s.count == 2 && s[0] == "env" && context.options.environment[s[1]] == nil {
                if !unset.contains(s[1]) { unset.append(s[1]) }
            }
        }
        if !unset.isEmpty {
            let c = AuthDiagnosis.Candidate(name: name, isSet: false, usedByProfile: true)
            return diagnosis([c], .environment, "\(unset.joined(separator: ", ")) \(unset.count == 1 ? "is" : "are") not set: the credentials of '\(name)' cannot be made here")
        }
        // Login and OAuth2 profiles fetch their token first (a run has done so already).
        // (A token the run holds is reused: `oauth2Token` asks the endpoint only when there is none.)
        if case .oauth2(let oauth) = profile.kind, case .failure(let error) = await context.auth.oauth2Result(profile, oauth) {
            // The endpoint refusing the client is a refusal; no answer at all is not.
            let refused = error.description.contains("the token endpoint answered")
            let c = AuthDiagnosis.Candidate(name: name, isSet: true, usedByProfile: true, accepted: refused ? false : nil, note: error.description)
            return diagnosis([c], refused ? .noneAccepted : .notSent,
                             "the token endpoint did not give '\(name)' a token, so the probe was not sent: \(error.description)")
        }
        if profile.isLogin {
            let login = await LoginExecutor(context: context, profile: name).run()
            if !login.succeeded {
                let c = AuthDiagnosis.Candidate(name: name, isSet: true, usedByProfile: true, note: login.failure)
                return diagnosis([c], .notSent, "the login of '\(name)' failed, so the probe was not sent: \(login.failure ?? "")")
            }
        }
        let credentials: Credentials
        do { credentials = try await context.auth.credentials(for: .profile(Located(name, at: profile.position), mode: .valid)) } catch {
            let c = AuthDiagnosis.Candidate(name: name, isSet: false, usedByProfile: true, note: error.description)
            return diagnosis([c], .environment, "the credentials of '\(name)' cannot be made here: \(error.description)")
        }
        var c = AuthDiagnosis.Candidate(name: name, isSet: true, usedByProfile: true)
        let answer = await send(probe, credentials, renderer)
        c.status = answer.status
        c.accepted = answer.accepted
        c.note = answer.note
        switch answer.accepted {
        case true?: return diagnosis([c], .accepted, "the server accepts the credentials of '\(name)'")
        case false?:
            return diagnosis([c], .noneAccepted, "the server refuses the credentials of '\(name)' (\(answer.status.map(String.init) ?? "no status"))",
                             Self.readRefusals([answer]))
        case nil: return diagnosis([c], .notSent, "the probe got no answer: \(answer.note ?? "")")
        }
    }

    /// One token per candidate secret; the table says which the server accepts.
    private func diagnoseSecrets(_ profile: AuthProfile, _ jwt: JWTProfile, _ probe: AuthProbe, _ renderer: TemplateRenderer,
                                 _ diagnosis: ([AuthDiagnosis.Candidate], AuthDiagnosis.Verdict, String, [String]) -> AuthDiagnosis)
        async -> AuthDiagnosis {
        let environment = context.options.environment
        let resolution = AuthProvider.resolveSecret(jwt, environment: environment)
        var candidates: [AuthDiagnosis.Candidate] = []
        var secrets: [String?] = []
        for (variable, isSet) in resolution.candidates {
            candidates.append(.init(name: variable, isSet: isSet, usedByProfile: resolution.source == .environment(variable)))
            secrets.append(isSet ? environment[variable] : nil)
        }
        if jwt.secretDefault != nil {
            var c = AuthDiagnosis.Candidate(name: "secret_default", isSet: true, usedByProfile: resolution.source == .defaultValue)
            do { secrets.append(try await context.auth.renderedDefault(profile, jwt)) } catch {
                secrets.append(nil)
                c.note = error.description
            }
            candidates.append(c)
        }
        if resolution.source == .missing {
            return diagnosis(candidates, .environment,
                             "none of \(jwt.secretEnv.joined(separator: ", ")) is set and there is no secret_default: nothing to sign with", [])
        }
        var answers: [Answer] = []
        for (i, secret) in secrets.enumerated() {
            guard let secret else { continue }
            if context.isCancelled { break }
            let token: String
            do { token = try await context.auth.mint(profile, jwt, secret: secret) } catch {
                candidates[i].note = error.description
                continue
            }
            let header = profile.header ?? "Authorization", scheme = profile.scheme ?? "Bearer"
            let credentials = Credentials(headers: [(header, scheme.isEmpty ? token : "\(scheme) \(token)")])
            let answer = await send(probe, credentials, renderer)
            candidates[i].status = answer.status
            candidates[i].accepted = answer.accepted
            candidates[i].note = answer.note
            answers.append(answer)
        }
        let own = candidates.first(where: \.usedByProfile)
        let ownName = own?.name ?? "?"
        let accepted = candidates.filter { $0.accepted == true }
        if own?.accepted == true {
            return diagnosis(candidates, .accepted, "the server accepts \(ownName), the secret this profile signs with", [])
        }
        if let first = accepted.first {
            let names = accepted.map(\.name).joined(separator: ", ")
            let fix: String
            if ownName == "secret_default" {
                fix = "the server accepts \(names); this profile signs with secret_default because none of \(jwt.secretEnv.joined(separator: ", ")) is set: set \(first.name)"
            } else if first.name == "secret_default" {
                fix = "the server accepts secret_default; this profile signs with \(ownName), the first one set: unset \(ownName), or give it the value of secret_default"
            } else {
                fix = "the server accepts \(names); this profile signs with \(ownName), the first one set: put \(first.name) first, or give both the same value"
            }
            return diagnosis(candidates, .otherCandidateAccepted, fix, [])
        }
        if answers.isEmpty || answers.allSatisfy({ $0.accepted == nil }) {
            return diagnosis(candidates, .notSent, "the probe got no answer: \(answers.first?.note ?? "no candidate could be sent")", [])
        }
        let sent = candidates.filter { $0.accepted != nil }.map(\.name)
        return diagnosis(candidates, .noneAccepted,
                         "the server accepts none of the \(sent.count) candidate\(sent.count == 1 ? "" : "s") sent (\(sent.joined(separator: ", "))): its secret is not among them, or it refuses something else",
                         Self.readRefusals(answers))
    }

    /// The probe's answer with one credential.
    struct Answer: Sendable {
        var status: Int?
        var accepted: Bool?
        var note: String?
        var body: String?
    }

    private func send(_ probe: AuthProbe, _ credentials: Credentials, _ renderer: TemplateRenderer) async -> Answer {
        let request: HTTPRequestData
        do {
            request = try RequestBuilder.build(probe.request, renderer: renderer, common: try context.commonHeaders(renderer),
                                               credentials: credentials,
                                               timeout: context.options.timeout ?? probe.request.timeout ?? context.graph.suite.defaults.requestTimeout)
        } catch {
            return Answer(note: context.masker.mask("cannot render the probe: \(error.message)"))
        }
        context.masker.addCredentials(in: request.headers)
        let response: HTTPResponseData
        switch await RetryLoop.send(request, policy: context.graph.suite.defaults.retryPolicy, context: context) {
        case .answered(let r, _): response = r
        case .failed(let error, _): return Answer(note: context.masker.mask(error.message))
        case .interrupted: return Answer(note: "interrupted")
        }
        let observed = ObservedResponse(status: response.status, headers: response.headers, body: response.body,
                                        duration: response.duration, parseJSON: true)
        let checker = ExpectationChecker(evaluator: MatcherEvaluator(renderer: renderer), planFile: context.graph.suite.file ?? "rehearse.yaml",
                                         schemas: context.schemas)
        let failures = checker.check(probe.expect, observed)
        let body = response.body.isEmpty || !BodyText.isText(response.body, contentType: response.header("Content-Type"))
            ? nil : context.masker.excerpt(response.bodyText, limit: 160)
        return Answer(status: response.status, accepted: failures.isEmpty,
                      note: nil, body: body)
    }

    /// What the refusals say beyond "refused": 401 against 403, and the server's own words.
    static func readRefusals(_ answers: [Answer]) -> [String] {
        let statuses = Set(answers.compactMap(\.status))
        var notes: [String] = []
        let saysSignature = answers.contains { $0.body?.lowercased().contains("signature") == true }
        if statuses == [403], saysSignature {
            notes.append("every refusal was 403 (forbidden), and the server's answer speaks of the signature: many servers answer a bad signature with 403, so this points at the secret (or the algorithm), not the claims")
        } else if statuses == [403] {
            notes.append("every refusal was 403 (forbidden), not 401: many servers answer a bad signature with 403, but one that checks the signature first and then the claims may have accepted the signature and refused the claims (iss, aud, permissions, exp); compare the claims `rehearse auth` shows with what the server requires")
        } else if statuses == [401] {
            notes.append("every refusal was 401 (unauthorized): the server did not accept the token itself, which points at the secret (or the algorithm) rather than the claims")
        } else if !statuses.isEmpty && statuses.isSubset(of: [401, 403]) == false {
            notes.append("the probe's answers (\(statuses.sorted().map(String.init).joined(separator: ", "))) are not all 401/403: check that the probe's `expect` describes an accepted request")
        }
        if let body = answers.compactMap(\.body).first { notes.append("the server said: \(body)") }
        return notes
    }
}
