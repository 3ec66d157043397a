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

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "Print the selected cases with their priority and tags.")

    @OptionGroup var selection: SelectionOptions

    @Option(help: "Output format: text or json.")
    var format: Pipeline.ListFormat = .text

    @Flag(help: "With --format json: show each case as it runs, the templates it extends merged in.")
    var resolved = false

    func run() throws {
        try Pipeline.list(try selection.planRequest(), format: format, resolved: resolved, console: .standard()).exit()
    }
}

struct GraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph", abstract: "Print the compiled graph: what runs, in what order, and why.")

    @OptionGroup var selection: SelectionOptions

    @Option(help: "Output format: text, dot or mermaid.")
    var format: GraphRenderer.Format = .text

    func run() throws {
        try Pipeline.graph(try selection.planRequest(), format: format, console: .standard()).exit()
    }
}

extension Pipeline.ListFormat: ExpressibleByArgument {}
