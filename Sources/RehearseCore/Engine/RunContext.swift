import Foundation
import Synchronization

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

    public init(graph: ExecutableGraph, options: RunOptions, transport: any HTTPTransport,
                webSocket: (any WebSocketTransport)? = nil, clock: any RunClock = SystemRunClock(),
                masker: SecretMasker = SecretMasker()) throws(RenderError) {
        self.graph = graph
        self.options = options
        self.transport = transport
        self.webSocket = webSocket
        self.clock = clock
        self.random = RandomSource(seed: options.seed)
        self.masker = masker
        var scope = TemplateScope()
        scope.cliVars = options.cliVars
        scope.processEnvironment = options.environment
        // Suite vars may use functions and env; environment vars may also use suite vars.
        let first = TemplateRenderer(scope: scope, random: random, clock: clock)
        for (k, v) in graph.suite.vars { scope.suiteVars[k] = try first.render(v) }
        if let name = graph.environment, let env = graph.suite.environment(name) {
            let second = TemplateRenderer(scope: scope, random: random, clock: clock)
            for (k, v) in env.vars { scope.environmentVars[k] = try second.render(v) }
        }
        self.baseScope = scope
        self.auth = AuthProvider(suite: graph.suite, environment: options.environment,
                                 renderer: TemplateRenderer(scope: scope, random: random, clock: clock), clock: clock, masker: masker)
    }

    /// Plan vars are rendered once per run, on first use, so `random_hex` in a var is one value.
    func vars(ofPlan p: Int) throws(RenderError) -> [String: JSONValue] {
        let result = planVars.withLock { cache -> Result<[String: JSONValue], RenderError> in
            if let hit = cache[p] { return hit }
            var scope = baseScope
            var out: [String: JSONValue] = [:]
            var made: Result<[String: JSONValue], RenderError>
            do {
                for (k, v) in graph.plans[p].vars {
                    scope.planVars = out
                    out[k] = try TemplateRenderer(scope: scope, random: random, clock: clock).render(v)
                }
                made = .success(out)
            } catch let e as RenderError {
                made = .failure(e)
            } catch {
                made = .failure(RenderError(message: "\(error)"))
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
    public func cancel() { cancelled.store(true, ordering: .relaxed) }
}
