#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseDiagnostics
import RehearseCompiler
import RehearseResults

/// A WebSocket handshake, rendered and ready to send.
struct WebSocketRequestData: Sendable {
    var url: String
    var headers: [(name: String, value: String)]
    var subprotocols: [String]
}

extension CaseExecutor {
    /// A WebSocket case: the handshake (retried like an HTTP GET while it gets no answer or a
    /// retryable status), its status checked against `expect.status` (default 101), then the
    /// steps over the open connection, which is closed at the end whatever happened.
    func runWebSocket(_ spec: WebSocketSpec) async -> CaseResult {
        guard let transport = context.webSocket else {
            return errored(.configuration, "this run has no WebSocket transport")
        }
        let request: WebSocketRequestData, renderer: TemplateRenderer
        switch await prepareWebSocket(spec) {
        case .ready(let q, let t): (request, renderer) = (q, t)
        case .failed(let r): return r
        }
        let checker = ExpectationChecker(evaluator: MatcherEvaluator(renderer: renderer), planFile: plan.file,
                                         schemas: context.schemas)
        // The handshake is a GET: a timeout or a dropped connection is as safe to retry as
        // a refused connect (spec §5), and nothing of the conversation has been sent yet.
        let loop = RetryLoop(policy: resolved.retry, method: "GET", context: context)
        var retried: [FailedAttempt] = []
        var result = await runWebSocketAttempts(loop, spec, request, renderer, checker, transport) { retried.append(context.masker.masked($0)) }
        result.failedAttempts = retried
        return result
    }

    func runWebSocketAttempts(_ loop: RetryLoop, _ spec: WebSocketSpec, _ request: WebSocketRequestData, _ renderer: TemplateRenderer,
                              _ checker: ExpectationChecker, _ transport: any WebSocketTransport,
                              retried: (FailedAttempt) -> Void) async -> CaseResult {
        let outcome = await loop.run(attempt: { _ throws(TransportError) -> (WebSocketHandshake, ContinuousClock.Instant) in
            let started = context.clock.instant()
            return (try await transport.connect(url: request.url, headers: request.headers,
                                                subprotocols: request.subprotocols, timeout: timeout), started)
        }, classify: { handshake, _ in
            guard case .refused(let status, let headers, _) = handshake else { return nil }
            return .status(status, retryAfter: headers.value(of: "Retry-After"))
        }, retried: retried)
        switch outcome {
        case .answered((.refused(let status, let headers, let body), let started), let attempts):
            let observed = ObservedResponse(status: status, headers: headers, body: body ?? [],
                                            duration: context.clock.instant() - started, parseJSON: body != nil)
            return finishRefused(request, observed, bodyKnown: body != nil, checker, attempts: attempts)
        case .answered((.accepted(let connection), let started), let attempts):
            return await converse(spec, request, connection, renderer: renderer, checker: checker, started: started,
                                  attempts: attempts)
        case .failed, .interrupted:
            return unanswered(outcome, waitingFor: "the handshake answer", record: {
                webSocketExchange(request, status: nil, headers: [], excerpt: nil, duration: nil)
            }) ?? errored(.configuration, "no answer")
        }
    }

    enum PreparedWebSocket {
        case ready(WebSocketRequestData, TemplateRenderer)
        case failed(CaseResult)
    }

    /// Renders URL, headers and subprotocols. Header precedence is RequestBuilder's: suite and
    /// environment headers, then the credentials, then the case's own headers.
    func prepareWebSocket(_ spec: WebSocketSpec) async -> PreparedWebSocket {
        let renderer: TemplateRenderer, credentials: Credentials
        switch await rendererAndCredentials(webSocket: true) {
        case .ready(let r, let c): (renderer, credentials) = (r, c)
        case .failed(let result): return .failed(result)
        }
        do {
            var headers = HeaderList()
            for h in try context.commonHeaders(renderer) { headers.set(h.name, h.value) }
            for h in credentials.headers { headers.set(h.name, h.value) }
            for (k, t) in spec.headers { headers.set(k, try renderer.renderString(t)) }
            var subprotocols: [String] = []
            for t in spec.subprotocols { subprotocols.append(try renderer.renderString(t)) }
            if let sub = credentials.subprotocol {
                // `jwt.<base64url>` is the token in another spelling: mask it like the token.
                context.masker.add(sub)
                subprotocols.append(sub)
            }
            let url = try renderer.renderString(spec.url)
            context.masker.addCredentials(in: headers.items)
            return .ready(WebSocketRequestData(url: url, headers: headers.items, subprotocols: subprotocols), renderer)
        } catch {
            return .failed(errored(.template, "cannot render the WebSocket handshake: \(error.message)"))
        }
    }

    /// A refused upgrade: checked like an HTTP response, with 101 as the default status; the
    /// steps are not run.
    func finishRefused(_ request: WebSocketRequestData, _ observed: ObservedResponse, bodyKnown: Bool,
                       _ checker: ExpectationChecker, attempts: Int) -> CaseResult {
        var expect = testCase.expect
        var failures: [Failure] = []
        if !bodyKnown && (!expect.json.isEmpty || expect.body != nil || expect.schema != nil) {
            // Checking them against an empty body would report a misleading "not JSON".
            expect.json = []
            expect.body = nil
            expect.schema = nil
            failures.append(Failure(.assertion, "expect.json/body/schema cannot be checked: the body of a refused WebSocket handshake is not available; check its status and headers",
                                    at: location(testCase.expect.position ?? testCase.position)))
        }
        failures = checker.check(expect, observed, defaultStatus: Self.handshakeAccepted).map { f in
            guard f.message.hasPrefix("status:") else { return f }
            return Failure(f.kind, f.message + " (the server refused the WebSocket upgrade)", at: f.location ?? location(testCase.position))
        } + failures
        let (values, captureFailures) = checker.captures(testCase.captures, observed)
        failures += captureFailures
        var r = base(failures.isEmpty ? .passed : .failed)
        r.attempts = attempts
        r.failures = failures.map { Failure($0.kind, context.masker.mask($0.message), at: $0.location) }
        let excerpt = observed.body.isEmpty ? nil : observed.text
        r.exchange = webSocketExchange(request, status: observed.status, headers: observed.headers, excerpt: excerpt,
                                       duration: observed.duration)
        storeCaptures(values)  // kept even when a check failed: teardown may need them (dependents are skipped)
        return r
    }

    static let handshakeAccepted = StatusSpec([.exact(101)])

    /// An accepted upgrade: unless 101 is what the case expects, that is the failure and the
    /// steps are not run; otherwise the conversation decides.
    func converse(_ spec: WebSocketSpec, _ request: WebSocketRequestData, _ connection: any WebSocketConnection,
                  renderer: TemplateRenderer, checker: ExpectationChecker, started: ContinuousClock.Instant,
                  attempts: Int) async -> CaseResult {
        let expect = testCase.expect
        var failures: [Failure] = []
        if let status = expect.status, !status.matches(101) {
            await connection.close(code: 1000)
            failures.append(Failure(.assertion, "status: expected \(status), got 101 (the server accepted the WebSocket upgrade)",
                                    at: location(expect.position ?? testCase.position)))
            return finishConversation(request, failures, nil, captures: [:], attempts: attempts, elapsed: context.clock.instant() - started)
        }
        if !expect.json.isEmpty || !expect.headers.isEmpty || expect.body != nil || expect.schema != nil {
            failures.append(Failure(.assertion, "expect.json/headers/body/schema apply to a refused handshake's response; check messages with `receive` steps",
                                    at: location(expect.position ?? testCase.position)))
        }
        var conversation = StreamConversation(stream: WebSocketMessageStream(connection: connection), connection: connection,
                                              context: context, planFile: plan.file, caseID: testCase.id,
                                              defaultWithin: timeout, renderer: renderer, origin: .now)
        if failures.isEmpty, let failure = await conversation.run(spec.steps) { failures.append(failure) }
        if !conversation.closedByStep { await connection.close(code: 1000) }
        let elapsed = context.clock.instant() - started
        if failures.isEmpty, let max = expect.duration, elapsed > max {
            failures.append(Failure(.assertion, "duration: expected at most \(DurationParser.format(max)), took \(DurationParser.format(elapsed))",
                                    at: location(expect.position)))
        }
        var captures = conversation.captured
        if failures.isEmpty, !testCase.captures.isEmpty {
            // Case-level `capture:` reads the handshake response, which for a 101 has no body.
            let observed = ObservedResponse(status: 101, headers: [], body: [], duration: elapsed, parseJSON: false)
            let (values, captureFailures) = checker.captures(testCase.captures, observed)
            failures += captureFailures
            captures.merge(values) { a, _ in a }
        }
        return finishConversation(request, failures, conversation, captures: captures, attempts: attempts, elapsed: elapsed)
    }

    func finishConversation(_ request: WebSocketRequestData, _ failures: [Failure], _ conversation: StreamConversation?,
                            captures: [String: JSONValue], attempts: Int, elapsed: Duration) -> CaseResult {
        // A step that could not even be rendered, or an interrupt, means the case did not run.
        let errored = failures.contains { [.template, .interrupted, .configuration, .auth].contains($0.kind) }
        var r = base(failures.isEmpty ? .passed : errored ? .errored : .failed)
        r.attempts = attempts
        r.failures = failures.map { Failure($0.kind, context.masker.mask($0.message), at: $0.location) }
        r.exchange = webSocketExchange(request, status: 101, headers: [], excerpt: conversation?.transcript, duration: elapsed)
        r.streams = conversation?.stats ?? []
        storeCaptures(captures)  // kept even when a check failed: teardown may need them (dependents are skipped)
        return r
    }

    /// The handshake and conversation as failure details show them: masked, credentials redacted,
    /// the offered subprotocols as the header they travel in.
    func webSocketExchange(_ request: WebSocketRequestData, status: Int?, headers: [(name: String, value: String)],
                           excerpt: String?, duration: Duration?) -> ExchangeRecord {
        let m = context.masker
        var shownRequest = request.headers
        if !request.subprotocols.isEmpty,
           !shownRequest.contains(where: { $0.name.equalsIgnoringASCIICase("Sec-WebSocket-Protocol") }) {
            shownRequest.append(("Sec-WebSocket-Protocol", request.subprotocols.joined(separator: ", ")))
        }
        let shownResponse = ["content-type", "retry-after", "www-authenticate", "sec-websocket-protocol", "content-length"]
        return ExchangeRecord(
            requestLine: m.mask("GET \(request.url) (WebSocket upgrade)"),
            requestHeaders: shownRequest.map { Self.shown($0, masker: m) },
            status: status,
            responseHeaders: headers.filter { shownResponse.contains($0.name.lowercased()) }.map { ($0.name, m.mask($0.value)) },
            bodyExcerpt: excerpt.map { m.excerpt($0, limit: 1200) },
            duration: duration,
            kind: .websocket)
    }
}
