import ArgumentParser
import Foundation
import Synchronization
import Rehearse
import RehearseModel
import RehearseDiagnostics
import RehearseParser
import RehearseCompiler
import RehearseResults
import RehearseRuntime
import RehearseTransportNIO
import RehearseReport

struct LintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check plans without sending anything; report every problem with its position.")

    @OptionGroup var selection: SelectionOptions

    @Flag(help: "Treat warnings as errors.")
    var strict = false

    @Option(help: "Output format: text, json or github (GitHub Actions annotations).")
    var format: DiagnosticRenderer.Format = .text

    @Flag(name: .customLong("no-color"), help: "No ANSI colours (also with NO_COLOR set).")
    var noColor = false

    static let keepAlive = Mutex<LintResult?>(nil)

    func run() throws {
        let result = Lint.run(paths: selection.paths, options: try selection.compileOptions(), strict: strict)
        // The process ends right after; freeing every parsed case first would only cost time.
        LintCommand.keepAlive.withLock { $0 = result }
        let renderer = DiagnosticRenderer(sources: result.loaded.sources, color: Output.useColor(noColor: noColor))
        switch format {
        case .text:
            Output.out(result.renderText(color: renderer.color))
        case .json:
            let doc: JSONValue = [
                "diagnostics": .array(result.diagnostics.map(renderer.json)),
                "plans": .number(Double(result.planCount)), "cases": .number(Double(result.caseCount)),
                "errors": .number(Double(result.errorCount)), "warnings": .number(Double(result.warningCount)),
            ]
            Output.out(doc.prettyText() + "\n")
        case .github:
            Output.out(result.diagnostics.map { renderer.github($0) + "\n" }.joined())
            Output.err(result.summary + "\n")
        }
        if result.exitCode != 0 { throw ExitCode(result.exitCode) }
    }
}

extension DiagnosticRenderer.Format: ExpressibleByArgument {}
extension GraphRenderer.Format: ExpressibleByArgument {}
