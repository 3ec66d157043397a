import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Rehearse
import RehearseReport

/// `rehearse diff`: what changed between two runs, from their JSON reports.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two JSON reports: fixed, regressions, still failing, newly flaky, added, removed.",
        discussion: """
            Reads two reports written by `rehearse run --report json:PATH` (or `rehearse merge`) and prints the \
            cases that changed and the pass rate by priority and by tag, before → after. Exit 1 when a case that \
            worked in BASE fails in NEW, 0 otherwise, 2 when a report cannot be read.
            """)

    @Argument(help: ArgumentHelp("The report to compare against (e.g. the last run on main).", valueName: "base.json"))
    var base: String

    @Argument(help: ArgumentHelp("The report of the new run.", valueName: "new.json"))
    var new: String

    @Option(help: "Output on standard output: text or json.")
    var format: Pipeline.DiffRequest.Format = .text

    @Option(name: .customLong("report"), help: ArgumentHelp("Write the diff: markdown (a pull-request comment), html or json, as FORMAT:PATH (repeatable).", valueName: "format:path"))
    var reports: [String] = []

    func validate() throws {
        for r in reports {
            let target: ReportTarget
            do { target = try ReportTarget.parse(r) } catch { throw ValidationError("\(error)") }
            if target.format == .junit { throw ValidationError("--report \(r): diff writes markdown, html or json") }
        }
    }

    func run() throws {
        var request = Pipeline.DiffRequest(base: base, new: new)
        request.format = format
        request.reports = try reports.map { try ReportTarget.parse($0) }
        try Pipeline.diff(request, console: .standard()).exit()
    }
}

extension Pipeline.DiffRequest.Format: ExpressibleByArgument {}
