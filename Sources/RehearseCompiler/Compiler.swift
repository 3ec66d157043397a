import Dispatch
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseDiagnostics
import RehearseParser

/// Options that shape a compilation: which cases, which environment, which `--var`s.
public struct CompileOptions: Sendable {
    public var selection = Selection()
    /// `--env`; nil means the suite's `default_env`.
    public var environment: String?
    /// Names given with `--var k=v` (they win over every other source).
    public var cliVars: [String: String] = [:]
    /// `--shard I/N`: keep only this shard's plans of the selection.
    public var shard: Shard?

    public init(selection: Selection = Selection(), environment: String? = nil, cliVars: [String: String] = [:],
                shard: Shard? = nil) {
        self.selection = selection
        self.environment = environment
        self.cliVars = cliVars
        self.shard = shard
    }
}

/// Compile stage: checks names, auth and dependencies across plans and builds the graph (spec §5).
public struct Compiler {
    let loaded: LoadedSuite
    let options: CompileOptions
    var diagnostics: [Diagnostic] = []
    let envName: String?
    /// `env.X` uses of suite-level settings (suite vars and headers, the chosen environment).
    var envRefs: [String: SourceLocation] = [:]
    var analyses: [PlanAnalysis] = []

    /// Compiles; the graph is nil when there are errors (they are in `diagnostics`).
    public static func compile(_ loaded: LoadedSuite, options: CompileOptions = CompileOptions())
        -> (graph: ExecutableGraph?, diagnostics: [Diagnostic])
    {
        var c = Compiler(loaded: loaded, options: options)
        let graph = c.run()
        return (graph, c.diagnostics)
    }

    init(loaded: LoadedSuite, options: CompileOptions) {
        self.loaded = loaded
        self.options = options
        self.envName = options.environment ?? loaded.suite.defaultEnv?.value
    }

    var suite: Suite { loaded.suite }
    var suiteFile: String { suite.file ?? SuiteLoader.join(loaded.root, "rehearse.yaml") }

    /// Checks every plan; plans are independent, so they are spread over the cores.
    func analyzePlans(_ checker: NameChecker) -> [PlanAnalysis] {
        let plans = loaded.plans
        let resolver = CaseResolver(suite: suite)
        let slots = UnsafeMutableBufferPointer<PlanAnalysis>.allocate(capacity: plans.count)
        slots.initialize(repeating: PlanAnalysis())
        defer { slots.deallocate() }
        nonisolated(unsafe) let shared = slots
        let workers = max(1, min(plans.count, ProcessInfo.processInfo.activeProcessorCount))
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var i = w
            while i < plans.count {
                var analysis = NameChecker.analyze(plans[i], checker: checker)
                resolver.resolvePlan(i, plans[i], into: &analysis)
                shared[i] = analysis
                i += workers
            }
        }
        return Array(slots)
    }

    mutating func report(_ code: DiagnosticCode, _ message: String, file: String, at position: SourcePosition?,
                         length: Int = 1, severity: Severity = .error, hint: String? = nil) {
        diagnostics.append(Diagnostic(code, severity, message, at: SourceLocation(file: file, position: position, length: length),
                                      hint: hint))
    }

    mutating func run() -> ExecutableGraph? {
        if let wanted = options.environment, suite.environment(wanted) == nil {
            let names = suite.environments.map(\.0)
            report(.unknownEnvironment, "unknown environment '\(wanted)' (--env)", file: suiteFile, at: nil,
                   hint: Suggestions.hint(for: wanted, in: names)
                       ?? (names.isEmpty ? "define environments in rehearse.yaml" : "environments: \(names.joined(separator: ", "))"))
        }
        let timing = StageTimer.fromEnvironment()
        var suiteChecker = NameChecker(suite: suite, envName: envName, cliVars: options.cliVars, suiteFile: suiteFile)
        suiteChecker.checkSuiteTemplates()
        diagnostics += suiteChecker.diagnostics
        envRefs = suiteChecker.envRefs
        analyses = analyzePlans(NameChecker(suite: suite, envName: envName, cliVars: options.cliVars, suiteFile: suiteFile))
        for a in analyses { diagnostics += a.diagnostics }
        timing.lap("compile: names")
        var full = buildFullGraph()
        timing.lap("compile: graph")
        full.order = topologicalOrder(full.nodes) ?? []
        if full.order.count != full.nodes.count { reportCycles(full) }
        timing.lap("compile: order")
        defer { timing.lap("compile: select") }
        let hasErrors = diagnostics.contains { $0.severity == .error } || loaded.diagnostics.contains { $0.severity == .error }
        guard !hasErrors else { return nil }
        full = select(from: full)
        return full
    }
}
