/// The outcome of `rehearse lint`: every diagnostic, counts, and the exit code they imply.
public struct LintResult: Sendable {
    public var loaded: LoadedSuite
    public var graph: ExecutableGraph?
    public var diagnostics: [Diagnostic]
    public var planCount: Int { loaded.plans.count }
    public var caseCount: Int { loaded.plans.reduce(0) { $0 + $1.cases.count } }

    public var errorCount: Int { diagnostics.errorCount }
    public var warningCount: Int { diagnostics.warningCount }

    /// Exit code of spec §6: 0 clean, 2 invalid plans.
    public var exitCode: Int32 { errorCount > 0 ? 2 : 0 }
}

/// Load, parse and compile without running: the whole of `lint` and the first half of every command.
public enum Lint {
    public static func run(paths: [String], options: CompileOptions = CompileOptions(), strict: Bool = false) -> LintResult {
        let loaded = SuiteLoader.load(paths: paths)
        let (graph, compileDiagnostics) = Compiler.compile(loaded, options: options)
        var all = loaded.diagnostics + compileDiagnostics
        if strict {
            all = all.map { var d = $0; if d.severity == .warning { d.severity = .error }; return d }
        }
        return LintResult(loaded: loaded, graph: all.errorCount > 0 ? nil : graph, diagnostics: all.sortedForDisplay())
    }
}
