import Foundation
import RehearseModel
import RehearseDiagnostics
import RehearseCompiler
import RehearseResults

/// Runs the executable graph: independent nodes concurrently up to `jobs`, dependencies first.
///
/// `jobs` workers each take the next ready node from shared state as soon as they finish one, so a
/// slot never waits for a coordinator to notice it is free.
public enum Runner {
    public static func run(_ context: RunContext, observer: (any RunObserver)? = nil) async -> RunReport {
        let graph = context.graph
        let started = context.clock.instant()
        observer?.runStarted(total: graph.cases.count)
        let state = RunState(context: context, observer: observer)
        let workers = max(1, min(context.options.jobs, graph.nodes.count))
        // The task that returns false is the interrupt watcher: `context.cancel()` cancels the cases in flight,
        // so a hung request ends now instead of at its timeout.
        await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<workers {
                group.addTask {
                    while let n = await state.next() {
                        let outcome: RunState.NodeOutcome
                        switch graph.nodes[n].kind {
                        case .testCase: outcome = .testCase(await CaseExecutor(context: context, node: n).run())
                        case .auth(let profile): outcome = .login(await LoginExecutor(context: context, profile: profile).run())
                        }
                        state.finish(n, outcome)
                    }
                    return true
                }
            }
            group.addTask {
                await context.waitUntilCancelled()
                return false
            }
            var finishedWorkers = 0
            while finishedWorkers < workers, let isWorker = await group.next() {
                if isWorker { finishedWorkers += 1 } else { group.cancelAll() }
            }
            // Everything finished: stop the watcher.
            group.cancelAll()
        }
        var report = RunReport(results: [], logins: state.logins,
                               duration: context.clock.instant() - started, environment: graph.environment,
                               seed: context.options.seed)
        // File order: nodes are numbered by plan and case.
        report.results = state.results.compactMap { $0 }
        report.interrupted = context.isCancelled
        report.shard = graph.shard
        return report
    }
}

/// The scheduler's shared state: what is ready, what each node is still waiting for, and the
/// results so far. Every access holds the lock; workers wait on continuations when nothing is ready.
final class RunState: @unchecked Sendable {
    enum NodeOutcome: Sendable {
        case testCase(CaseResult)
        case login(LoginResult)
    }

    let context: RunContext
    let graph: ExecutableGraph
    let observer: (any RunObserver)?
    let total: Int
    private let lock = NSLock()
    private(set) var results: [CaseResult?]
    private(set) var logins: [LoginResult] = []
    private var passedNodes: [Bool]
    private var remaining: [Int]
    private var dependents: [[Int]]
    private var ready: Heap
    private var done = 0
    private var inFlight = 0
    private var stopLaunching = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(context: RunContext, observer: (any RunObserver)?) {
        self.context = context
        self.graph = context.graph
        self.observer = observer
        self.total = graph.cases.count
        let nodes = context.graph.nodes
        results = [CaseResult?](repeating: nil, count: nodes.count)
        passedNodes = [Bool](repeating: false, count: nodes.count)
        let waitingFor = nodes.map(\.dependencies.count)
        remaining = waitingFor
        var dependents = [[Int]](repeating: [], count: nodes.count)
        for (i, n) in nodes.enumerated() { for e in n.dependencies { dependents[e.from].append(i) } }
        self.dependents = dependents
        ready = Heap(nodes.indices.filter { waitingFor[$0] == 0 })
    }

    private enum Take {
        case node(Int)
        case finished
        case wait
    }

    /// The next node to run, or nil when there is nothing left to run.
    func next() async -> Int? {
        while true {
            switch take() {
            case .node(let n): return n
            case .finished: return nil
            case .wait:
                // Checked again under the lock before parking, so a wake-up cannot be missed.
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                    lock.lock()
                    if ready.isEmpty && inFlight > 0 {
                        waiters.append(c)
                        lock.unlock()
                    } else {
                        lock.unlock()
                        c.resume()
                    }
                }
            }
        }
    }

    private func take() -> Take {
        lock.lock()
        defer { lock.unlock() }
        while let n = ready.popMin() {
            if stopLaunching || context.isCancelled {
                completeLocked(n, notRun(n, context.isCancelled ? "interrupted" : "not run (--fail-fast)"))
                continue
            }
            inFlight += 1
            return .node(n)
        }
        return inFlight == 0 ? .finished : .wait
    }

    /// Records a node a worker ran and wakes the workers that wait for ready nodes.
    func finish(_ n: Int, _ outcome: NodeOutcome) {
        lock.lock()
        inFlight -= 1
        completeLocked(n, outcome)
        let wake = waiters
        waiters = []
        lock.unlock()
        for w in wake { w.resume() }
    }

    /// Records a finished node and queues what it unblocks; skips propagate without a task.
    private func completeLocked(_ n: Int, _ outcome: NodeOutcome) {
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
                    work.append((d, .testCase(skippedResult(d, blocker: blocker.from))))
                } else {
                    ready.insert(d)
                }
            }
        }
    }

    /// The result of a case whose prerequisite did not pass: skipped after a failed dependency or
    /// an interrupt, errored after a failed login (spec §7: broken credentials are never green).
    private func skippedResult(_ d: Int, blocker: Int) -> CaseResult {
        let executor = CaseExecutor(context: context, node: d)
        var r = executor.base(.skipped)
        switch graph.nodes[blocker].kind {
        case .auth(let profile):
            let why = logins.first { $0.profile == profile }?.failure ?? "failed"
            if why == "interrupted" {
                r.reason = "interrupted"
            } else if let skip = executor.testCase.skip {
                // `skip:` says the case is not to run at all; the login does not change that.
                r.reason = skip
            } else {
                r = executor.base(.errored)
                r.failures = [Failure(.auth, "auth session failed: profile \(profile): \(why)")]
            }
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

    private func notRun(_ n: Int, _ reason: String) -> NodeOutcome {
        if case .auth(let profile) = graph.nodes[n].kind {
            return .login(LoginResult(profile: profile, succeeded: false, attempts: 0, failure: reason))
        }
        var r = CaseExecutor(context: context, node: n).base(.skipped)
        r.reason = reason
        return .testCase(r)
    }
}
