import RehearseModel
import RehearseDiagnostics
import RehearseCompiler
import RehearseResults

/// What to try next, read off the failures: the markdown and HTML reports print these so a red
/// pull request says where to look, not only what broke.
public enum NextSteps {
    /// Patterns over the whole run that point at one cause (credentials, base URL, an interrupt).
    /// A pattern is said once here instead of beside every case it explains.
    public static func runHints(_ report: RunReport) -> [String] {
        var hints: [String] = []
        let ran = report.results.filter { $0.outcome != .skipped }

        // Every case that sent valid credentials was refused, and some of them did not expect it:
        // the credentials, not the endpoints. Only cases sending `valid` credentials count
        // (`auth` is nil for negative modes, which pass by being refused); a valid-credential
        // case that passed on a 401/403 expected the refusal and proves nothing either way.
        let protected = ran.filter { $0.auth != nil }
        let refused = protected.compactMap { r -> Int? in
            guard let s = r.exchange?.status, s == 401 || s == 403 else { return nil }
            return s
        }
        if !protected.isEmpty, refused.count == protected.count, protected.contains(where: { !$0.outcome.isSuccess }) {
            let codes = Set(refused).sorted().map(String.init).joined(separator: "/")
            let profiles = Set(protected.compactMap(\.auth)).sorted()
            let command = profiles.count == 1 ? "rehearse auth --probe --profile \(profiles[0])" : "rehearse auth --probe"
            hints.append("\(codes) on every protected case: run `\(command)`")
        }
        for l in report.logins where !l.succeeded && l.failure != "interrupted" {
            hints.append("login for profile `\(l.profile)` failed (\(l.failure ?? "failed")): run `rehearse auth --profile \(l.profile)`")
        }
        // Nothing reached the server at all: the address is the likely culprit.
        if ran.count > 1, ran.allSatisfy({ $0.failures.first.map(isUnreachable) ?? false }) {
            hints.append("no case reached the server: is base_url right for this environment?")
        }
        if report.interrupted {
            let notRun = report.results.filter(\.wasInterrupted).count
            hints.append("the run was interrupted (\(notRun) case\(notRun == 1 ? "" : "s") not finished): run again for a complete report")
        }
        return hints
    }

    /// A short next step for one case that did not succeed; nil when there is nothing to add.
    public static func suggestion(for r: CaseResult) -> String? {
        if r.outcome == .xpassed { return "it passes now: remove `xfail` from the case" }
        guard !r.outcome.isSuccess, let f = r.failures.first else { return nil }
        switch f.kind {
        case .interrupted: return "the run was interrupted: run again"
        case .timeout: return "raise `timeout` or check the endpoint"
        case .transport:
            if isUnreachable(f) { return "is base_url right for this environment?" }
            if f.message.contains("TLS certificate") {
                return "give the server a trusted certificate, or pass `--insecure` for a staging certificate you trust"
            }
            if f.message.contains("closed") || f.message.contains("reset") { return "the server dropped the connection: check its logs" }
            return "check that the endpoint is reachable from where the run happens"
        case .template: return "a value was missing at run time: check the vars and captures the case uses (`rehearse lint`)"
        case .auth: return "the credentials could not be made: run `rehearse auth`"
        case .configuration, .dependency: return nil
        case .assertion: return assertionHint(r)
        }
    }

    static func assertionHint(_ r: CaseResult) -> String {
        switch r.exchange?.status {
        case 401?, 403?:
            if let profile = r.auth { return "the server refused the credentials: run `rehearse auth --probe --profile \(profile)`" }
            return "the endpoint wants credentials: set `auth:` on the case or its plan"
        case 404?: return "check the URL path and the ids it uses"
        case 429?: return "rate-limited: lower `--jobs`, or add 429 to `retry.on`"
        case let s? where s >= 500: return "the server failed: look in its logs for this request"
        default: return "compare the expectation with the response; if the API changed on purpose, update the plan"
        }
    }

    /// A failure that means nothing was sent: refused, unresolvable, unreachable.
    static func isUnreachable(_ f: Failure) -> Bool {
        guard f.kind == .transport else { return false }
        return ["connection refused", "could not resolve host", "could not connect", "connect timed out"]
            .contains { f.message.contains($0) }
    }

    /// The case's cause in a few words, for tables: "status 503", "timeout", "connection refused".
    public static func cause(of r: CaseResult) -> String {
        if r.outcome == .skipped { return r.reason ?? "skipped" }
        if r.outcome == .xpassed { return "passed despite xfail" }
        guard let f = r.failures.first else { return r.outcome.rawValue }
        switch f.kind {
        case .assertion:
            if let s = r.exchange?.status, !(200..<300).contains(s) { return "status \(s)" }
            return "assertion"
        case .transport:
            let text = f.message
            if let paren = text.firstIndex(of: "(") { return String(text[..<paren]).trimmingSpaces() }
            return text
        default: return f.kind.rawValue
        }
    }
}
