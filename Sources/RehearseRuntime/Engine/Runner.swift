#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization
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
                        case .testCase: outcome = .testCases(await CaseExecutor(context: context, node: n).runNode())
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
        let interrupted = context.isCancelled
        if interrupted { await runTeardownAfterInterrupt(state, context) }
        var report = RunReport(results: [], logins: state.logins,
                               duration: context.clock.instant() - started, environment: graph.environment,
                               seed: context.options.seed)
        // File order: nodes are numbered by plan and case.
        report.results = state.allResults
        report.interrupted = interrupted
        report.shard = graph.shard
        return report
    }
}

/// The scheduler's shared state: what is ready, what each node is still waiting for, and the
/// results so far. All of it sits in one `Mutex`; workers wait on continuations when nothing is ready.
///
/// Nothing outside the scheduler is called with the lock held: finished cases are numbered and
/// queued under the lock, and handed to the observer after it is released (see `deliver`).
final class RunState: Sendable {
    enum NodeOutcome: Sendable {
        case testCase(CaseResult)
        case login(LoginResult)
        /// Every result of a node (one, or one per instance of a list expanded at run time).
        case testCases(NodeResults)
    }

    /// What changes while the run goes on; only touched inside `shared.withLock`.
    private struct Shared {
        var results: [CaseResult?]
        var logins: [LoginResult] = []
        var passedNodes: [Bool]
        var remaining: [Int]
        var ready: Heap
        var done = 0
        var inFlight = 0
        var stopLaunching = false
        var waiters: [CheckedContinuation<Void, Never>] = []
        /// Finished cases with their `done` number, not yet handed to the observer.
        var outbox: [(result: CaseResult, done: Int)] = []
        /// True while one worker hands the outbox to the observer; the others leave it their results.
        var delivering = false
        /// Results after a node's first (instances of a list expanded at run time), by node.
        var more: [Int: [CaseResult]] = [:]
        /// Teardown nodes that became ready after an interrupt: they run once more at the end.
        var deferredTeardown: [Int] = []
    }

    let context: RunContext
    let graph: ExecutableGraph
    let observer: (any RunObserver)?
    let total: Int
    /// For each node, the nodes that wait for it.
    private let dependents: [[Int]]
    /// For each node, whether it is a teardown case (spec §9).
    let isTeardown: [Bool]
    private let shared: Mutex<Shared>

    init(context: RunContext, observer: (any RunObserver)?) {
        self.context = context
        self.graph = context.graph
        self.observer = observer
        self.total = graph.cases.count
        let nodes = context.graph.nodes
        let waitingFor = nodes.map(\.dependencies.count)
        var dependents = [[Int]](repeating: [], count: nodes.count)
        for (i, n) in nodes.enumerated() { for e in n.dependencies { dependents[e.from].append(i) } }
        self.dependents = dependents
        self.isTeardown = nodes.map { n in
            if case .testCase(let ref) = n.kind { return context.graph.testCase(ref).isTeardown }
            return false
        }
        shared = Mutex(Shared(results: [CaseResult?](repeating: nil, count: nodes.count),
                              passedNodes: [Bool](repeating: false, count: nodes.count),
                              remaining: waitingFor,
                              ready: Heap(nodes.indices.filter { waitingFor[$0] == 0 })))
    }

    /// Every node's result so far, by node; nil for logins and nodes not finished.
    var results: [CaseResult?] { shared.withLock { $0.results } }
    var logins: [LoginResult] { shared.withLock { $0.logins } }

    /// Every result in node order, instances of a list expanded at run time after their first.
    var allResults: [CaseResult] {
        shared.withLock { s in
            var out: [CaseResult] = []
            out.reserveCapacity(s.results.count + s.more.count)
            for (n, r) in s.results.enumerated() {
                if let r { out.append(r) }
                if let more = s.more[n] { out += more }
            }
            return out
        }
    }

    /// The teardown nodes an interrupt held back (spec §9), once.
    func takeDeferredTeardown() -> [Int] {
        shared.withLock { s in
            defer { s.deferredTeardown = [] }
            return s.deferredTeardown.sorted()
        }
    }

    /// Records a node run after the workers stopped (teardown after an interrupt).
    func recordLate(_ n: Int, _ outcome: NodeOutcome) {
        shared.withLock { s in complete(n, outcome, in: &s) }
        deliver()
    }

    private enum Take {
        case node(Int)
        case finished
        case wait
    }

    /// The next node to run, or nil when there is nothing left to run.
    func next() async -> Int? {
        while true {
            let taken = take()
            deliver()
            switch taken {
            case .node(let n): return n
            case .finished: return nil
            case .wait:
                // Checked again under the lock before parking, so a wake-up cannot be missed.
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                    let parked = shared.withLock { s in
                        guard s.ready.isEmpty && s.inFlight > 0 else { return false }
                        s.waiters.append(c)
                        return true
                    }
                    if !parked { c.resume() }
                }
            }
        }
    }

    private func take() -> Take {
        shared.withLock { s in
            while let n = s.ready.popMin() {
                if isTeardown[n], context.isCancelled {
                    s.deferredTeardown.append(n)
                    continue
                }
                if (s.stopLaunching && !isTeardown[n]) || context.isCancelled {
                    complete(n, notRun(n, context.isCancelled ? "interrupted" : "not run (--fail-fast)"), in: &s)
                    continue
                }
                s.inFlight += 1
                return .node(n)
            }
            return s.inFlight == 0 ? .finished : .wait
        }
    }

    /// Records a node a worker ran and wakes the workers that wait for ready nodes.
    func finish(_ n: Int, _ outcome: NodeOutcome) {
        let wake = shared.withLock { s in
            s.inFlight -= 1
            complete(n, outcome, in: &s)
            defer { s.waiters = [] }
            return s.waiters
        }
        for w in wake { w.resume() }
        deliver()
    }

    /// Hands queued results to the observer, outside the lock, in `done` order and one call at a
    /// time: one worker delivers, and it keeps going until the outbox is empty, so a result queued
    /// by another worker meanwhile is never left behind. Each worker calls this after every change
    /// of state, so everything is delivered before the last worker returns.
    private func deliver() {
        guard let observer else { return }
        var batch = shared.withLock { s -> [(result: CaseResult, done: Int)] in
            guard !s.delivering else { return [] }
            s.delivering = !s.outbox.isEmpty
            defer { s.outbox = [] }
            return s.outbox
        }
        while !batch.isEmpty {
            // Instances of a list expanded at run time come on top of the planned total.
            for item in batch { observer.caseFinished(item.result, done: item.done, total: max(total, item.done)) }
            batch = shared.withLock { s in
                s.delivering = !s.outbox.isEmpty
                defer { s.outbox = [] }
                return s.outbox
            }
        }
    }

    /// Records a finished node and queues what it unblocks; skips propagate without a task.
    private func complete(_ n: Int, _ outcome: NodeOutcome, in s: inout Shared) {
        var work: [(Int, NodeOutcome)] = [(n, outcome)]
        while let (node, o) = work.popLast() {
            switch o {
            case .testCase(let r):
                s.results[node] = r
                s.passedNodes[node] = r.outcome.unblocksDependents
                s.done += 1
                if observer != nil { s.outbox.append((r, s.done)) }
                if context.options.failFast, !r.outcome.isSuccess { s.stopLaunching = true }
            case .login(let l):
                s.logins.append(l)
                s.passedNodes[node] = l.succeeded
            case .testCases(let all):
                if let first = all.results.first { s.results[node] = first }
                if all.results.count > 1 { s.more[node] = Array(all.results.dropFirst()) }
                s.passedNodes[node] = all.unblocks
                for r in all.results {
                    s.done += 1
                    if observer != nil { s.outbox.append((r, s.done)) }
                    if context.options.failFast, !r.outcome.isSuccess { s.stopLaunching = true }
                }
            }
            for d in dependents[node] {
                s.remaining[d] -= 1
                guard s.remaining[d] == 0 else { continue }
                if let blocker = graph.nodes[d].dependencies.first(where: { !s.passedNodes[$0.from] && blocks($0, d) }) {
                    work.append((d, .testCase(skippedResult(d, blocker: blocker.from, s))))
                } else {
                    s.ready.insert(d)
                }
            }
        }
    }

    /// The result of a case whose prerequisite did not pass: skipped after a failed dependency or
    /// an interrupt, errored after a failed login (spec §7: broken credentials are never green).
    private func skippedResult(_ d: Int, blocker: Int, _ s: Shared) -> CaseResult {
        let executor = CaseExecutor(context: context, node: d)
        var r = executor.base(.skipped)
        switch graph.nodes[blocker].kind {
        case .auth(let profile):
            let why = s.logins.first { $0.profile == profile }?.failure ?? "failed"
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
            if s.results[blocker]?.wasInterrupted == true {
                // Not the dependency's fault: the run stopped.
                r.reason = "interrupted"
            } else {
                let word = s.results[blocker]?.outcome == .skipped ? "skipped" : "failed"
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
