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

/// `rehearse merge`: the JSON reports of `--shard` runs combined into the reports of the whole run.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine the JSON reports of sharded runs into one set of reports.",
        discussion: """
            Reads the reports written by `rehearse run --shard I/N --report json:PATH`, prints the combined \
            summary and writes the --report files. Totals and tables are those of one unsharded run. The exit \
            code is that of the combined run: --gate applies to it, as in `rehearse run`.
            """)

    @Argument(help: ArgumentHelp("JSON reports of the shards.", valueName: "report.json"))
    var inputs: [String]

    @Option(name: .customLong("report"), help: ArgumentHelp("Write a report: json, junit, markdown or html, as FORMAT:PATH (repeatable).", valueName: "format:path"))
    var reports: [String] = []

    @Option(name: .customLong("gate"), help: ArgumentHelp("Least pass rate of a priority, e.g. critical=100 (repeatable).", valueName: "priority=percent"))
    var gates: [String] = []

    @Flag(help: "Only the summary.")
    var quiet = false

    @Flag(name: .customLong("no-color"), help: "No ANSI colours (also with NO_COLOR set).")
    var noColor = false

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("give at least one JSON report to merge") }
        for r in reports { do { _ = try ReportTarget.parse(r) } catch { throw ValidationError("\(error)") } }
        for g in gates { do { _ = try Gate.parse(g) } catch { throw ValidationError("\(error)") } }
    }

    func run() throws {
        var request = Pipeline.MergeRequest(inputs: inputs)
        request.reports = try reports.map { try ReportTarget.parse($0) }
        request.gates = try gates.map { try Gate.parse($0) }
        request.quiet = quiet
        try Pipeline.merge(request, console: .standard(noColor: noColor)).exit()
    }
}
