import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Rehearse
import RehearseCompiler
import RehearseDiagnostics
import RehearseModel
import RehearseReport
import RehearseResults
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

    func run() throws {
        let request = Pipeline.LintRequest(plan: try selection.planRequest(), strict: strict, format: format)
        try Pipeline.lint(request, console: .standard(noColor: noColor)).exit()
    }
}

extension DiagnosticRenderer.Format: ExpressibleByArgument {}
extension GraphRenderer.Format: ExpressibleByArgument {}
