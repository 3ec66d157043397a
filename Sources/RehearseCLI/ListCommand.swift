import ArgumentParser
import Foundation
import Rehearse
import RehearseModel
import RehearseDiagnostics
import RehearseParser
import RehearseCompiler
import RehearseResults
import RehearseRuntime
import RehearseTransportNIO
import RehearseReport

/// Shared by commands that need a valid graph: prints diagnostics and exits 2 when there is none.
func compiledGraph(_ selection: SelectionOptions, noColor: Bool = false) throws -> ExecutableGraph {
    let result = Lint.run(paths: selection.paths, options: try selection.compileOptions())
    let renderer = DiagnosticRenderer(sources: result.loaded.sources, color: Output.useColor(noColor: noColor, handle: STDERR_FILENO))
    let shown = result.diagnostics.filter { $0.severity == .error }
    if shown.isEmpty, result.suiteRoots.count > 1 {
        // Lint checks several suites side by side; a run has one config, one environment, one graph.
        Output.err("error: the paths belong to \(result.suiteRoots.count) suites (\(result.suiteRoots.joined(separator: ", "))); "
                   + "run and list take one suite at a time\n")
        throw ExitCode(ExitStatus.invalid.rawValue)
    }
    if !shown.isEmpty || result.graph == nil {
        Output.err(shown.map { renderer.text($0) + "\n" }.joined())
        Output.err("error: the plans have \(shown.count) error(s); run `rehearse lint` for details\n")
        throw ExitCode(ExitStatus.invalid.rawValue)
    }
    return result.graph!
}

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "Print the selected cases with their priority and tags.")

    @OptionGroup var selection: SelectionOptions

    @Option(help: "Output format: text or json.")
    var format: ListFormat = .text

    enum ListFormat: String, ExpressibleByArgument { case text, json }

    func run() throws {
        let graph = try compiledGraph(selection)
        switch format {
        case .text: Output.out(CaseListRenderer.text(graph))
        case .json: Output.out(CaseListRenderer.json(graph).prettyText() + "\n")
        }
    }
}

struct GraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph", abstract: "Print the compiled graph: what runs, in what order, and why.")

    @OptionGroup var selection: SelectionOptions

    @Option(help: "Output format: text, dot or mermaid.")
    var format: GraphRenderer.Format = .text

    func run() throws {
        Output.out(GraphRenderer.render(try compiledGraph(selection), format: format))
    }
}
