#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RehearseCompiler
import RehearseDiagnostics
import RehearseModel
import RehearseParser
import RehearseReport

/// The one way into Rehearse: each command is one call with a request value in and an outcome
/// out (load → parse → compile → run → report wired here, and only here). The CLI maps flags to a
/// request and the outcome's `ExitStatus` to the process's exit code.
public enum Pipeline {
    /// What `lint`, `list`, `graph` and `run` select: paths and the selection flags.
    public struct PlanRequest: Sendable {
        public var paths: [String]
        public var options: CompileOptions

        public init(paths: [String], options: CompileOptions = CompileOptions()) {
            self.paths = paths
            self.options = options
        }
    }

    // MARK: plan

    /// Load, parse and compile: the graph, or nil with the errors rendered on standard error
    /// (the command then exits 2: invalid plans, nothing sent).
    public static func plan(_ request: PlanRequest, console: Console) -> ExecutableGraph? {
        let result = Lint.run(paths: request.paths, options: request.options)
        let errors = result.diagnostics.filter { $0.severity == .error }
        if errors.isEmpty, result.suiteRoots.count > 1 {
            // Lint checks several suites side by side; a run has one config, one environment, one graph.
            console.error("the paths belong to \(result.suiteRoots.count) suites (\(result.suiteRoots.joined(separator: ", ")))",
                          hint: "run and list take one suite at a time")
            return nil
        }
        guard errors.isEmpty, let graph = result.graph else {
            console.report(errors, sources: result.loaded.sources)
            console.error("the plans have \(errors.count) error(s)", hint: "run `rehearse lint` for details")
            return nil
        }
        return graph
    }

    // MARK: lint

    public struct LintRequest: Sendable {
        public var plan: PlanRequest
        public var strict = false
        public var format: DiagnosticRenderer.Format = .text

        public init(plan: PlanRequest, strict: Bool = false, format: DiagnosticRenderer.Format = .text) {
            self.plan = plan
            self.strict = strict
            self.format = format
        }
    }

    /// The result is kept until the process ends: freeing every parsed case first would only cost
    /// time on the hot path of `lint`.
    nonisolated(unsafe) private static var lastLint: LintResult?

    /// Every problem with its position, in the requested format; exit 2 on any error.
    public static func lint(_ request: LintRequest, console: Console) -> ExitStatus {
        let result = Lint.run(paths: request.plan.paths, options: request.plan.options, strict: request.strict)
        lastLint = result
        let renderer = DiagnosticRenderer(sources: result.loaded.sources, color: console.colorOut)
        switch request.format {
        case .text:
            console.out(result.renderText(color: renderer.color))
        case .json:
            let doc: JSONValue = [
                "diagnostics": .array(result.diagnostics.map(renderer.json)),
                "plans": .number(Double(result.planCount)), "cases": .number(Double(result.caseCount)),
                "errors": .number(Double(result.errorCount)), "warnings": .number(Double(result.warningCount)),
            ]
            console.out(doc.prettyText() + "\n")
        case .github:
            console.out(result.diagnostics.map { renderer.github($0) + "\n" }.joined())
            console.err(result.summary + "\n")
        }
        return result.errorCount > 0 ? .invalid : .ok
    }

    // MARK: list, graph, schema

    public enum ListFormat: String, Sendable, CaseIterable { case text, json }

    /// The selected cases with their priority and tags.
    public static func list(_ request: PlanRequest, format: ListFormat, resolved: Bool = false, console: Console) -> ExitStatus {
        guard let graph = plan(request, console: console) else { return .invalid }
        switch format {
        case .text: console.out(CaseListRenderer.text(graph))
        case .json where resolved: console.out(resolvedList(graph).prettyText() + "\n")
        case .json: console.out(CaseListRenderer.json(graph).prettyText() + "\n")
        }
        return .ok
    }

    /// What runs, in what order, and why.
    public static func graph(_ request: PlanRequest, format: GraphRenderer.Format, console: Console) -> ExitStatus {
        guard let graph = plan(request, console: console) else { return .invalid }
        console.out(GraphRenderer.render(graph, format: format))
        return .ok
    }

    /// The JSON Schema for editors: `plan` or `suite`.
    public static func schema(_ kind: String, console: Console) -> ExitStatus {
        guard let doc = RehearseSchemas.document(for: kind) else {
            console.error("no schema '\(kind)'", hint: "use one of \(RehearseSchemas.kinds.joined(separator: ", "))")
            return .invalid
        }
        console.out(doc.prettyText() + "\n")
        return .ok
    }
}
