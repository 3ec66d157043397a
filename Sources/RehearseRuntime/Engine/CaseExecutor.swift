#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseDiagnostics
import RehearseCompiler
import RehearseResults

/// Runs one case of the graph and turns what happened into a `CaseResult`.
struct CaseExecutor {
    let context: RunContext
    let node: Int
    let resolved: ResolvedCase
    let testCase: Case
    let plan: Plan

    init(context: RunContext, node: Int) {
        self.context = context
        self.node = node
        self.resolved = context.graph.cases[node]!
        self.testCase = context.graph.testCase(resolved.ref)
        self.plan = context.graph.plans[resolved.ref.plan]
    }

    func base(_ outcome: Outcome) -> CaseResult {
        var r = CaseResult(planID: plan.id, caseID: resolved.resultID(testCase), name: testCase.name, priority: resolved.priority,
                           tags: resolved.tags, outcome: outcome)
        r.captureNames = testCase.capturedNames
        if case .profile(let name, .valid) = resolved.auth { r.auth = name.value }
        return r
    }

    func location(_ p: SourcePosition?) -> SourceLocation? { p.map { SourceLocation(file: plan.file, position: $0) } }

    var timeout: Duration { context.options.timeout ?? resolved.timeout }

    func run() async -> CaseResult {
        if let reason = testCase.skip {
            var r = base(.skipped)
            r.reason = reason
            return r
        }
        let started = context.clock.instant()
        var result: CaseResult
        switch testCase.kind {
        case .http(let spec): result = await runHTTP(spec)
        case .websocket(let spec): result = await runWebSocket(spec)
        case .sse(let spec): result = await runSSE(spec)
        }
        result.duration = context.clock.instant() - started
        return applyXFail(result)
    }

    /// `xfail`: a failure is the expected outcome, a pass is news (spec §3).
    func applyXFail(_ r: CaseResult) -> CaseResult {
        // An interrupted case says nothing about the known bug.
        guard let reason = testCase.xfail, !r.wasInterrupted else { return r }
        var out = r
        switch r.outcome {
        case .failed, .errored:
            out.outcome = .xfailed
            out.reason = reason
        case .passed:
            out.outcome = .xpassed
            out.reason = reason
            out.failures = [Failure(.assertion, "expected to fail (\(reason)) but passed: remove `xfail` if it is fixed",
                                    at: location(testCase.position))]
        default: break
        }
        return out
    }

    func errored(_ kind: Failure.Kind, _ message: String, attempts: Int = 0) -> CaseResult {
        var r = base(.errored)
        r.attempts = attempts
        r.failures = [Failure(kind, context.masker.mask(message), at: location(testCase.position))]
        return r
    }

    /// The rendered request, or the result of a case that cannot be sent.
    enum Prepared {
        case ready(HTTPRequestData, TemplateRenderer)
        case failed(CaseResult)
    }

    /// What every request and handshake starts from: the plan's renderer and the case's credentials.
    enum Inputs {
        case ready(TemplateRenderer, Credentials)
        case failed(CaseResult)
    }

    func rendererAndCredentials(webSocket: Bool) async -> Inputs {
        var renderer: TemplateRenderer
        do { renderer = try context.renderer(forPlan: resolved.ref.plan) } catch {
            return .failed(errored(.template, "cannot render the plan's vars: \(error.message)"))
        }
        if let instance = resolved.instance {
            renderer.scope.item = instance.item
            renderer.scope.index = instance.index
        }
        do {
            // No hop to the auth actor for the many cases without credentials.
            let credentials = resolved.auth == .none ? .none : try await context.auth.credentials(for: resolved.auth, webSocket: webSocket)
            return .ready(renderer, credentials)
        } catch {
            return .failed(errored(.auth, "auth session failed: \(error.description)"))
        }
    }

    func prepare(_ spec: HTTPRequestSpec) async -> Prepared {
        let renderer: TemplateRenderer, credentials: Credentials
        switch await rendererAndCredentials(webSocket: false) {
        case .ready(let r, let c): (renderer, credentials) = (r, c)
        case .failed(let result): return .failed(result)
        }
        do {
            let request = try RequestBuilder.build(spec, renderer: renderer, common: try context.commonHeaders(renderer),
                                                   credentials: credentials, timeout: timeout)
            // A credential written into the plan is as secret as a profile's: mask its echoes too.
            context.masker.addCredentials(in: request.headers)
            return .ready(request, renderer)
        } catch {
            return .failed(errored(.template, "cannot render the request: \(error.message)"))
        }
    }

    func runHTTP(_ spec: HTTPRequestSpec) async -> CaseResult {
        let request: HTTPRequestData, renderer: TemplateRenderer
        switch await prepare(spec) {
        case .ready(let q, let t): (request, renderer) = (q, t)
        case .failed(let r): return r
        }
        let checker = ExpectationChecker(evaluator: MatcherEvaluator(renderer: renderer), planFile: plan.file,
                                         schemas: context.schemas)
        if let load = testCase.load { return await runLoad(request, load, checker) }
        // Polling: assertion failures of `until` are retried, at `interval` (or the backoff).
        let settled = resolved.retry.until.map { until in { (observed: ObservedResponse) in checker.check(until, observed).isEmpty } }
        let loop = RetryLoop(policy: resolved.retry, method: request.method, context: context)
        var retried: [FailedAttempt] = []
        var result = await runHTTPAttempts(loop, spec, request, checker, settled: settled) { retried.append(context.masker.masked($0)) }
        result.failedAttempts = retried
        return result
    }

    func runHTTPAttempts(_ loop: RetryLoop, _ spec: HTTPRequestSpec, _ request: HTTPRequestData, _ checker: ExpectationChecker,
                         settled: ((ObservedResponse) -> Bool)?, retried: (FailedAttempt) -> Void) async -> CaseResult {
        let outcome = await loop.run(attempt: { _ throws(TransportError) -> ObservedResponse in
            let response = try await sendRenewingOn401(request, spec)
            return ObservedResponse(status: response.status, headers: response.headers, body: response.body,
                                    duration: response.duration, parseJSON: true)
        }, classify: { observed in
            .status(observed.status, retryAfter: observed.header("Retry-After"))
        }, settled: settled, retried: retried)
        if let r = unanswered(outcome, waitingFor: "the response", record: { exchange(request, nil) }) { return r }
        guard case .answered(let observed, let attempts) = outcome else { return errored(.configuration, "no answer") }
        return finish(request, observed, checker, attempts: attempts)
    }

    func finish(_ request: HTTPRequestData, _ observed: ObservedResponse, _ checker: ExpectationChecker, attempts: Int) -> CaseResult {
        var failures = checker.check(testCase.expect, observed)
        if let until = resolved.retry.until {
            for f in checker.check(until, observed) {
                failures.append(Failure(f.kind, "still not as polled for after \(attempts) attempts: \(f.message)", at: f.location))
            }
        }
        let (values, captureFailures) = checker.captures(testCase.captures, observed)
        failures += captureFailures
        var r = base(failures.isEmpty ? .passed : .failed)
        r.attempts = attempts
        r.failures = failures.map { Failure($0.kind, context.masker.mask($0.message), at: $0.location) }
        // The exchange is what failure details show; a passing case never prints it.
        if !failures.isEmpty || testCase.xfail != nil { r.exchange = exchange(request, observed) }
        storeCaptures(values)  // kept even when a check failed: teardown may need them (dependents are skipped)
        return r
    }

    /// The exchange as failure details show it: masked, with a short body excerpt.
    func exchange(_ request: HTTPRequestData, _ response: ObservedResponse?) -> ExchangeRecord {
        let m = context.masker
        let shownResponseHeaders = ["content-type", "location", "retry-after", "www-authenticate", "content-length"]
        var excerpt: String?
        if let response, !response.body.isEmpty {
            // Masked before it is cut, so a credential crossing the cut is never half shown.
            excerpt = BodyText.placeholder(response.body, contentType: response.header("Content-Type"))
                ?? m.excerpt(response.text, limit: 600, note: " (\(response.body.count) bytes)")
        }
        return ExchangeRecord(
            requestLine: m.mask("\(request.method) \(request.url)"),
            requestHeaders: request.headers.map { Self.shown($0, masker: m) },
            status: response?.status,
            responseHeaders: (response?.headers ?? []).filter { shownResponseHeaders.contains($0.name.lowercased()) }
                .map { ($0.name, m.mask($0.value)) },
            bodyExcerpt: excerpt,
            duration: response?.duration,
            requestBody: Self.shownBody(request, masker: m))
    }

    /// `Bearer eyJ…` → `Bearer ***`: the scheme helps, the credential never shows. A cookie list
    /// keeps its names: `session=abc; theme=dark` → `session=***; theme=***`.
    /// A request header as every output shows it: a credential header by its scheme only (a
    /// cookie by its names), any other value masked.
    static func shown(_ h: (name: String, value: String), masker: SecretMasker) -> (name: String, value: String) {
        (h.name, SecretMasker.isCredentialHeader(h.name) ? redactCredential(h.value, header: h.name) : masker.mask(h.value))
    }

    static func redactCredential(_ value: String, header: String) -> String {
        if header.lowercased() == "cookie" {
            return value.split(separator: ";").map { pair -> String in
                let name = pair.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
                return name.trimmingSpaces() + "=***"
            }.joined(separator: "; ")
        }
        if let space = value.firstIndex(of: " ") { return String(value[..<space]) + " ***" }
        return "***"
    }
}
