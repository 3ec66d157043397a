#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseModel
import RehearseDiagnostics
import RehearseParser

/// The outcome of `rehearse lint`: every diagnostic, counts, and the exit code they imply.
public struct LintResult: Sendable {
    /// Every suite's plans and sources together (the first suite's config when there are several).
    public var loaded: LoadedSuite
    /// Nil when there are errors, or when the paths belong to more than one suite.
    public var graph: ExecutableGraph?
    /// The folders of the suites the paths belong to; more than one only for `lint a/ b/`.
    public var suiteRoots: [String]
    public var diagnostics: [Diagnostic]
    public var planCount: Int { loaded.plans.count }
    public var caseCount: Int { loaded.plans.reduce(0) { $0 + $1.cases.count } }

    public var errorCount: Int { diagnostics.errorCount }
    public var warningCount: Int { diagnostics.warningCount }

    /// Exit code of spec §6: 0 clean, 2 invalid plans.
    public var exitCode: Int32 { (errorCount > 0 ? ExitStatus.invalid : .ok).rawValue }

    /// `ok: 7 plans, 38 cases, no problems` or `failed: 2 errors, 1 warning in ...`.
    public var summary: String {
        func n(_ k: Int, _ w: String) -> String { "\(k) \(w)\(k == 1 ? "" : "s")" }
        let counts = "\(n(planCount, "plan")), \(n(caseCount, "case"))"
        if errorCount == 0 && warningCount == 0 { return "ok: \(counts), no problems" }
        return "\(errorCount > 0 ? "failed" : "ok"): \(n(errorCount, "error")), \(n(warningCount, "warning")) in \(counts)"
    }

    /// The whole text report: each diagnostic, then the summary line.
    public func renderText(color: Bool = false) -> String {
        let renderer = DiagnosticRenderer(sources: loaded.sources, color: color)
        return diagnostics.map { renderer.text($0) + "\n" }.joined() + summary + "\n"
    }
}

/// Load, parse and compile without running: the whole of `lint` and the first half of every command.
public enum Lint {
    public static func run(paths: [String], options: CompileOptions = CompileOptions(), strict: Bool = false) -> LintResult {
        let timing = StageTimer.fromEnvironment()
        let suites = SuiteLoader.loadSuites(paths: paths)
        timing.lap("load+parse")
        // Each suite is compiled against its own config; only a single suite makes a graph.
        var graph: ExecutableGraph?
        var all: [Diagnostic] = []
        for loaded in suites {
            let (g, compileDiagnostics) = Compiler.compile(loaded, options: options)
            graph = suites.count == 1 ? g : nil
            all += loaded.diagnostics + compileDiagnostics
        }
        timing.lap("compile")
        var loaded = suites[0]
        for other in suites.dropFirst() {
            loaded.plans += other.plans
            loaded.diagnostics += other.diagnostics
            loaded.sources.merge(other.sources) { a, _ in a }
        }
        if strict {
            all = all.map { var d = $0; if d.severity == .warning { d.severity = .error }; return d }
        }
        var withSources = loaded
        // The loader keeps text only for files it had something to say about; the compiler's
        // findings need the lines of other files too.
        for file in Set(all.compactMap { $0.location.position == nil ? nil : $0.location.file })
        where withSources.sources[file] == nil {
            if let bytes = SuiteLoader.read(file, bag: DiagnosticBag(file: file)) { withSources.sources[file] = bytes }
        }
        return LintResult(loaded: withSources, graph: all.errorCount > 0 ? nil : graph, suiteRoots: suites.map(\.root),
                          diagnostics: all.sortedForDisplay())
    }
}
