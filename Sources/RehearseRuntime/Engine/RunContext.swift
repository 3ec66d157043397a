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

/// Settings of one run, from the command line.
public struct RunOptions: Sendable {
    public var jobs = 8
    public var failFast = false
    /// `--timeout`: replaces every case's timeout.
    public var timeout: Duration?
    public var dryRun = false
    public var seed: UInt64 = UInt64.random(in: 1...UInt64.max)
    /// The process environment the run sees (`env.X`, secrets); injected so tests control it.
    public var environment: [String: String] = ProcessInfo.processInfo.environment
    public var cliVars: [String: String] = [:]

    public init() {}
}

/// Everything the cases of one run share: transport, clock, randomness, auth, captures, masking.
public final class RunContext: Sendable {
    public let graph: ExecutableGraph
    public let options: RunOptions
    public let transport: any HTTPTransport
    /// What `load` cases send through: a lean keep-alive client in real runs, else `transport`.
    public let loadTransport: any HTTPTransport
    public let webSocket: (any WebSocketTransport)?
    public let clock: any RunClock
    public let random: RandomSource
    public let masker: SecretMasker
    public let auth: AuthProvider
    public let schemas = SchemaStore()
    /// Suite and environment vars, rendered once at the start.
    public let baseScope: TemplateScope
    private let captures = Mutex<[Int: [String: [String: JSONValue]]]>([:])
    private let planVars = Mutex<[Int: Result<[String: JSONValue], RenderError>]>([:])
    private let cancelled = Atomic<Bool>(false)
    private let cancelWaiters = Mutex(CancelWaiters())
    /// Captures of `each` instances until every instance has finished (see `instanceFinished`).
    private let instanceCaptures = Mutex<[InstanceKey: InstanceCaptures]>([:])

    public init(graph: ExecutableGraph, options: RunOptions, transport: any HTTPTransport,
                webSocket: (any WebSocketTransport)? = nil, clock: any RunClock = SystemRunClock(),
                masker: SecretMasker = SecretMasker(), loadTransport: (any HTTPTransport)? = nil) throws(RenderError) {
        self.graph = graph
        self.options = options
        self.transport = transport
        self.loadTransport = loadTransport ?? transport
        self.webSocket = webSocket
        self.clock = clock
        self.random = RandomSource(seed: options.seed)
        self.masker = masker
        var scope = TemplateScope()
        scope.cliVars = options.cliVars
        scope.processEnvironment = options.environment
        var vars: [(level: VarLevel, name: String, value: ValueTemplate)] = graph.suite.vars.map { (.suite, $0.0, $0.1) }
        if let name = graph.environment, let env = graph.suite.environment(name) {
            vars += env.vars.map { (.environment, $0.0, $0.1) }
        }
        try scope.renderVars(vars, random: random, clock: clock)
        // `{{ env.API_TOKEN }}` written straight into a header is a secret too: values of variables
        // whose names say so are masked like profile secrets.
        for name in graph.environmentReferences.keys where SecretMasker.looksSecret(name) {
            if let value = options.environment[name] { masker.add(value) }
        }
        self.baseScope = scope
        self.auth = AuthProvider(suite: graph.suite, environment: options.environment,
                                 renderer: TemplateRenderer(scope: scope, random: random, clock: clock), clock: clock, masker: masker)
        auth.run.attach(self)
    }

    /// Plan vars are rendered once per run, on first use, so `random_hex` in a var is one value.
    func vars(ofPlan p: Int) throws(RenderError) -> [String: JSONValue] {
        let result = planVars.withLock { cache -> Result<[String: JSONValue], RenderError> in
            if let hit = cache[p] { return hit }
            var scope = baseScope
            let made: Result<[String: JSONValue], RenderError>
            do throws(RenderError) {
                try scope.renderVars(graph.plans[p].vars.map { (.plan, $0.0, $0.1) }, random: random, clock: clock)
                made = .success(scope.planVars)
            } catch {
                made = .failure(error)
            }
            cache[p] = made
            return made
        }
        return try result.get()
    }

    /// The renderer a case of plan `p` uses: its plan's vars and captures so far.
    func renderer(forPlan p: Int) throws(RenderError) -> TemplateRenderer {
        var scope = baseScope
        scope.planVars = try vars(ofPlan: p)
        scope.captures = captures.withLock { $0[p] ?? [:] }
        return TemplateRenderer(scope: scope, random: random, clock: clock)
    }

    func store(captures values: [String: JSONValue], plan p: Int, caseID: String) {
        guard !values.isEmpty else { return }
        captures.withLock { $0[p, default: [:]][caseID] = values }
    }

    /// Keeps the captures of one instance of an `each` case.
    func store(captures values: [String: JSONValue], plan p: Int, caseID: String, instance: CaseInstance) {
        guard !values.isEmpty else { return }
        instanceCaptures.withLock { all in
            let key = InstanceKey(plan: p, caseID: caseID)
            all[key, default: InstanceCaptures(count: instance.count)].values[instance.index] = values
        }
    }

    /// Records that an instance ended (whatever its outcome); when the last one has, the case's
    /// captures become arrays over the instances, in list order, null where one captured nothing
    /// (spec §9). Dependents run only after every instance, so they always see the whole array.
    func instanceFinished(plan p: Int, caseID: String, index: Int, count: Int, names: [String]) {
        let key = InstanceKey(plan: p, caseID: caseID)
        let done = instanceCaptures.withLock { all -> InstanceCaptures? in
            var entry = all[key] ?? InstanceCaptures(count: count)
            entry.finished += 1
            guard entry.finished >= count else {
                all[key] = entry
                return nil
            }
            all[key] = nil
            return entry
        }
        guard let done, !names.isEmpty else { return }
        var arrays: [String: JSONValue] = [:]
        for name in names {
            arrays[name] = .array((0..<count).map { done.values[$0]?[name] ?? .null })
        }
        captures.withLock { $0[p, default: [:]][caseID] = arrays }
    }

    /// True when case `caseID` of plan `p` captured `name`.
    func hasCapture(plan p: Int, caseID: String, name: String) -> Bool {
        captures.withLock { $0[p]?[caseID]?[name] != nil }
    }

    /// After an interrupt, lets teardown cases run once more (spec §9): the run is no longer
    /// cancelled until `cancel()` is called again (by the time limit, or a second signal).
    func reopenForTeardown() {
        cancelled.store(false, ordering: .relaxed)
        cancelWaiters.withLock { $0.cancelled = false }
    }

    /// Suite headers, then the environment's: sent with every request and handshake.
    func commonHeaders(_ renderer: TemplateRenderer) throws(RenderError) -> [(name: String, value: String)] {
        var out: [(name: String, value: String)] = []
        for (k, t) in graph.suite.headers { out.append((k, try renderer.renderString(t))) }
        if let name = graph.environment, let env = graph.suite.environment(name) {
            for (k, t) in env.headers { out.append((k, try renderer.renderString(t))) }
        }
        return out
    }

    public var isCancelled: Bool { cancelled.load(ordering: .relaxed) }

    /// Stops the run: no new case starts, and `waitUntilCancelled` returns so the runner can
    /// cancel the requests in flight. Safe to call from a signal handler's queue, more than once.
    public func cancel() {
        cancelled.store(true, ordering: .relaxed)
        let waiting = cancelWaiters.withLock { w in
            w.cancelled = true
            defer { w.pending = [:] }
            return Array(w.pending.values)
        }
        waiting.forEach { $0.resume() }
    }

    /// Returns once `cancel()` is called, or when the waiting task itself is cancelled (which is
    /// how the runner stops waiting at the end of a run that was never interrupted).
    func waitUntilCancelled() async {
        let id = cancelWaiters.withLock { w in
            w.next += 1
            return w.next
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now = cancelWaiters.withLock { w -> Bool in
                    if w.cancelled || w.abandoned.remove(id) != nil { return true }
                    w.pending[id] = c
                    return false
                }
                if now { c.resume() }
            }
        } onCancel: {
            // The handler may run before the continuation is registered: leave a mark for it.
            let c = cancelWaiters.withLock { w -> CheckedContinuation<Void, Never>? in
                if let c = w.pending.removeValue(forKey: id) { return c }
                w.abandoned.insert(id)
                return nil
            }
            c?.resume()
        }
    }
}

/// Which `each` case a set of instance captures belongs to.
struct InstanceKey: Hashable {
    var plan: Int
    var caseID: String
}

/// The captures of the instances of one `each` case so far.
struct InstanceCaptures {
    var count: Int
    var finished = 0
    var values: [Int: [String: JSONValue]] = [:]
}

/// Tasks waiting for `RunContext.cancel()`.
struct CancelWaiters {
    var cancelled = false
    var next: UInt64 = 0
    var pending: [UInt64: CheckedContinuation<Void, Never>] = [:]
    var abandoned: Set<UInt64> = []
}
