#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseDiagnostics
import RehearseCompiler
import RehearseResults

extension CaseExecutor {
    static let sseDefaultStatus = StatusSpec([.exact(200)])

    /// An SSE case (spec §8): the request goes through the one retry loop until it gets a
    /// response head that stands; a 2xx `text/event-stream` answer runs the steps over the
    /// stream (never retried once it is open), any other answer is checked like a `request`.
    func runSSE(_ spec: SSESpec) async -> CaseResult {
        guard let transport = context.transport as? any SSETransport else {
            return errored(.configuration, "this run has no Server-Sent Events transport")
        }
        var request: HTTPRequestData, renderer: TemplateRenderer
        switch await prepare(spec.request) {
        case .ready(let q, let t): (request, renderer) = (q, t)
        case .failed(let r): return r
        }
        if !request.headers.contains(where: { $0.name.equalsIgnoringASCIICase("Accept") }) {
            request.headers.append(("Accept", "text/event-stream"))
        }
        let checker = ExpectationChecker(evaluator: MatcherEvaluator(renderer: renderer), planFile: plan.file,
                                         schemas: context.schemas)
        let loop = RetryLoop(policy: resolved.retry, method: request.method, context: context)
        var retried: [FailedAttempt] = []
        let outcome = await loop.run(attempt: { [request] _ throws(TransportError) -> SSEOpening in
            try await transport.open(request)
        }, classify: { opening in
            // An open stream stands: what it says is for the steps, not for retries.
            guard case .response(let response) = opening else { return nil }
            return .status(response.status, retryAfter: response.header("Retry-After"))
        }, retried: { retried.append(context.masker.masked($0)) })
        var result = await finishSSE(spec, request, outcome, renderer: renderer, checker: checker)
        result.failedAttempts = retried
        if result.exchange != nil { result.exchange?.kind = .sse }
        return result
    }

    private func finishSSE(_ spec: SSESpec, _ request: HTTPRequestData, _ outcome: RetryLoop.Outcome<SSEOpening>,
                           renderer: TemplateRenderer, checker: ExpectationChecker) async -> CaseResult {
        switch outcome {
        case .answered(.response(let response), let attempts):
            let observed = ObservedResponse(status: response.status, headers: response.headers, body: response.body,
                                            duration: response.duration, parseJSON: true)
            var r = finishSSEResponse(request, observed, checker, attempts: attempts, steps: spec.steps.count)
            if r.outcome != .passed { r.exchange = exchange(request, observed) }
            return r
        case .answered(.stream(let status, let headers, let stream, let sentAt, let headDuration), let attempts):
            return await readStream(spec, request, status: status, headers: headers, stream, sentAt: sentAt,
                                    headDuration: headDuration, renderer: renderer, checker: checker, attempts: attempts)
        case .failed, .interrupted:
            return unanswered(outcome, waitingFor: "the response head", record: { exchange(request, nil) })
                ?? errored(.configuration, "no answer")
        }
    }

    /// A response that is no event stream: checked like a `request` (200 by default). A 2xx
    /// answer of another type fails when there are steps, since none of them could run.
    private func finishSSEResponse(_ request: HTTPRequestData, _ observed: ObservedResponse, _ checker: ExpectationChecker,
                                   attempts: Int, steps: Int) -> CaseResult {
        var failures = checker.check(testCase.expect, observed, defaultStatus: Self.sseDefaultStatus)
        if (200..<300).contains(observed.status), steps > 0 {
            let type = observed.header("Content-Type") ?? "none"
            failures.append(Failure(.assertion, "the response is not an event stream (Content-Type: \(type)), so its \(steps) step\(steps == 1 ? "" : "s") could not run",
                                    at: location(testCase.position)))
        }
        let (values, captureFailures) = checker.captures(testCase.captures, observed)
        failures += captureFailures
        var r = base(failures.isEmpty ? .passed : .failed)
        r.attempts = attempts
        r.failures = failures.map { Failure($0.kind, context.masker.mask($0.message), at: $0.location) }
        storeCaptures(values)  // kept even when a check failed: teardown may need them (dependents are skipped)
        return r
    }

    /// An open event stream: status and headers are checked, then the steps run over it, and the
    /// client closes it whatever happened.
    private func readStream(_ spec: SSESpec, _ request: HTTPRequestData, status: Int, headers: [(name: String, value: String)],
                        _ stream: any MessageStream, sentAt: ContinuousClock.Instant, headDuration: Duration,
                        renderer: TemplateRenderer, checker: ExpectationChecker, attempts: Int) async -> CaseResult {
        let expect = testCase.expect
        var head = expect
        head.json = []
        head.body = nil
        head.schema = nil
        head.duration = nil
        let observedHead = ObservedResponse(status: status, headers: headers, body: [], duration: headDuration, parseJSON: false)
        var failures = checker.check(head, observedHead, defaultStatus: Self.sseDefaultStatus)
        if !expect.json.isEmpty || expect.body != nil || expect.schema != nil {
            failures.append(Failure(.assertion, "expect.json/body/schema apply to a response that is not an event stream; check events with `receive`, `events` and `collect` steps",
                                    at: location(expect.position ?? testCase.position)))
        }
        var conversation = StreamConversation(stream: stream, connection: nil, context: context, planFile: plan.file,
                                              caseID: testCase.id, defaultWithin: timeout, renderer: renderer, origin: sentAt)
        if failures.isEmpty, let failure = await conversation.run(spec.steps) { failures.append(failure) }
        await stream.close()
        let elapsed = ContinuousClock.now - sentAt
        if failures.isEmpty, let max = expect.duration, elapsed > max {
            failures.append(Failure(.assertion, "duration: expected at most \(DurationParser.format(max)), took \(DurationParser.format(elapsed))",
                                    at: location(expect.position)))
        }
        var captures = conversation.captured
        if failures.isEmpty, !testCase.captures.isEmpty {
            let (values, captureFailures) = checker.captures(testCase.captures, observedHead)
            failures += captureFailures
            captures.merge(values) { a, _ in a }
        }
        let errored = failures.contains { [.template, .interrupted, .configuration, .auth].contains($0.kind) }
        var r = base(failures.isEmpty ? .passed : errored ? .errored : .failed)
        r.attempts = attempts
        r.failures = failures.map { Failure($0.kind, context.masker.mask($0.message), at: $0.location) }
        r.streams = conversation.stats
        if !failures.isEmpty || testCase.xfail != nil {
            var record = exchange(request, ObservedResponse(status: status, headers: headers, body: [], duration: headDuration,
                                                            parseJSON: false))
            record.bodyExcerpt = context.masker.excerpt(conversation.transcript, limit: 1200)
            r.exchange = record
        }
        storeCaptures(captures)  // kept even when a check failed: teardown may need them (dependents are skipped)
        return r
    }
}
