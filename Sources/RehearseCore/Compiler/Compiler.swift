/// Options that shape a compilation: which cases, which environment, which `--var`s.
public struct CompileOptions: Sendable {
    public var selection = Selection()
    /// `--env`; nil means the suite's `default_env`.
    public var environment: String?
    /// Names given with `--var k=v` (they win over every other source).
    public var cliVars: [String: String] = [:]

    public init(selection: Selection = Selection(), environment: String? = nil, cliVars: [String: String] = [:]) {
        self.selection = selection
        self.environment = environment
        self.cliVars = cliVars
    }
}

/// Compile stage: checks names, auth and dependencies across plans and builds the graph (spec §5).
public struct Compiler {
    let loaded: LoadedSuite
    let options: CompileOptions
    var diagnostics: [Diagnostic] = []
    let envName: String?
    var envRefs: [String: SourceLocation] = [:]

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
        checkSuiteTemplates()
        for (p, plan) in loaded.plans.enumerated() { checkPlan(p, plan) }
        var full = buildFullGraph()
        reportCycles(full)
        let hasErrors = diagnostics.contains { $0.severity == .error } || loaded.diagnostics.contains { $0.severity == .error }
        guard !hasErrors else { return nil }
        full = select(from: full)
        return full
    }
}
