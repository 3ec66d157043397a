import Foundation

/// Told about progress while a run goes (console output, live progress line).
public protocol RunObserver: Sendable {
    func runStarted(total: Int)
    func caseFinished(_ result: CaseResult, done: Int, total: Int)
}

/// The outcome of a login node (spec §2): shared by every case that uses the profile.
public struct LoginResult: Sendable {
    public var profile: String
    public var succeeded: Bool
    public var attempts: Int
    public var failure: String?

    public init(profile: String, succeeded: Bool, attempts: Int, failure: String?) {
        self.profile = profile
        self.succeeded = succeeded
        self.attempts = attempts
        self.failure = failure
    }
}

/// Every result of a run, in file order, and what the run as a whole means.
public struct RunReport: Sendable {
    public var results: [CaseResult]
    public var logins: [LoginResult]
    public var duration: Duration
    public var environment: String?
    public var seed: UInt64
    public var interrupted = false
    /// `--shard I/N` when the run was one shard of a suite.
    public var shard: Shard?
    /// `--gate`s: when present they, not "any failure", decide the exit code.
    public var gates: [Gate] = []

    public init(results: [CaseResult], logins: [LoginResult] = [], duration: Duration = .zero, environment: String? = nil,
                seed: UInt64 = 0) {
        self.results = results
        self.logins = logins
        self.duration = duration
        self.environment = environment
        self.seed = seed
    }

    public func count(_ o: Outcome) -> Int { results.filter { $0.outcome == o }.count }

    /// Each gate against the by-priority table of this run.
    public var gateResults: [GateResult] { Gates.evaluate(gates, RunSummary(results)) }

    /// Exit code of spec §6: 130 when interrupted; with gates, 1 when one is missed; without,
    /// 1 when anything failed, errored or xpassed.
    public var exitCode: Int32 {
        if interrupted { return 130 }
        if !gates.isEmpty { return gateResults.allSatisfy(\.passed) ? 0 : 1 }
        return results.contains { !$0.outcome.isSuccess } ? 1 : 0
    }
}

/// Runs the executable graph: independent nodes concurrently up to `jobs`, dependencies first.
public enum Runner {
    public static func run(_ context: RunContext, observer: (any RunObserver)? = nil) async -> RunReport {
        let graph = context.graph
        let started = context.clock.instant()
        let total = graph.cases.count
        observer?.runStarted(total: total)
        var results = [CaseResult?](repeating: nil, count: graph.nodes.count)
        var logins: [LoginResult] = []
        var passedNodes = [Bool](repeating: false, count: graph.nodes.count)
        var remaining = graph.nodes.map(\.dependencies.count)
        var dependents = [[Int]](repeating: [], count: graph.nodes.count)
        for (i, n) in graph.nodes.enumerated() { for e in n.dependencies { dependents[e.from].append(i) } }
        var ready = Heap(graph.nodes.indices.filter { remaining[$0] == 0 })
        var done = 0
        var stopLaunching = false

        enum NodeOutcome: Sendable {
            case testCase(CaseResult)
            case login(LoginResult)
        }

        /// Records a finished node and queues what it unblocks; skips propagate without a task.
        func complete(_ n: Int, _ outcome: NodeOutcome) {
            var work: [(Int, NodeOutcome)] = [(n, outcome)]
            while let (node, o) = work.popLast() {
                switch o {
                case .testCase(let r):
                    results[node] = r
                    passedNodes[node] = r.outcome.unblocksDependents
                    done += 1
                    observer?.caseFinished(r, done: done, total: total)
                    if context.options.failFast, !r.outcome.isSuccess { stopLaunching = true }
                case .login(let l):
                    logins.append(l)
                    passedNodes[node] = l.succeeded
                }
                for d in dependents[node] {
                    remaining[d] -= 1
                    guard remaining[d] == 0 else { continue }
                    if let blocker = graph.nodes[d].dependencies.first(where: { !passedNodes[$0.from] }) {
                        work.append((d, .testCase(skippedResult(d, blocker: blocker.from, results: results, logins: logins))))
                    } else {
                        ready.insert(d)
                    }
                }
            }
        }

        func skippedResult(_ d: Int, blocker: Int, results: [CaseResult?], logins: [LoginResult]) -> CaseResult {
            let executor = CaseExecutor(context: context, node: d)
            var r = executor.base(.skipped)
            switch graph.nodes[blocker].kind {
            case .auth(let profile):
                let why = logins.first { $0.profile == profile }?.failure ?? "failed"
                r.reason = why == "interrupted" ? "interrupted" : "auth session failed (\(profile): \(why))"
            case .testCase:
                if results[blocker]?.wasInterrupted == true {
                    // Not the dependency's fault: the run stopped.
                    r.reason = "interrupted"
                } else {
                    let word = results[blocker]?.outcome == .skipped ? "skipped" : "failed"
                    r.reason = "dependency \(graph.nodes[blocker].name) \(word)"
                }
            }
            return r
        }

        func notRun(_ n: Int, _ reason: String) -> NodeOutcome {
            if case .auth(let profile) = graph.nodes[n].kind {
                return .login(LoginResult(profile: profile, succeeded: false, attempts: 0, failure: reason))
            }
            var r = CaseExecutor(context: context, node: n).base(.skipped)
            r.reason = reason
            return .testCase(r)
        }

        // A nil element is the interrupt watcher: `context.cancel()` cancels the cases in flight,
        // so a hung request ends now instead of at its timeout.
        await withTaskGroup(of: (Int, NodeOutcome)?.self) { group in
            var running = 0
            func launch() {
                while running < max(1, context.options.jobs), let n = ready.popMin() {
                    if stopLaunching || context.isCancelled {
                        complete(n, notRun(n, context.isCancelled ? "interrupted" : "not run (--fail-fast)"))
                        continue
                    }
                    running += 1
                    group.addTask {
                        switch graph.nodes[n].kind {
                        case .testCase: return (n, .testCase(await CaseExecutor(context: context, node: n).run()))
                        case .auth(let profile): return (n, .login(await LoginExecutor(context: context, profile: profile).run()))
                        }
                    }
                }
            }
            group.addTask {
                await context.waitUntilCancelled()
                return nil
            }
            launch()
            while running > 0, let next = await group.next() {
                guard let (n, outcome) = next else {
                    group.cancelAll()
                    continue
                }
                running -= 1
                complete(n, outcome)
                launch()
            }
            // Everything finished: stop the watcher.
            group.cancelAll()
        }
        var report = RunReport(results: [], logins: logins,
                               duration: context.clock.instant() - started, environment: graph.environment,
                               seed: context.options.seed)
        // File order: nodes are numbered by plan and case.
        report.results = results.compactMap { $0 }
        report.interrupted = context.isCancelled
        report.shard = graph.shard
        return report
    }
}
