import ArgumentParser
import Foundation
import RehearseCore

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
        let problems = ReportTarget.problems(try reports.map { try ReportTarget.parse($0) }, inputs: inputs)
        if !problems.isEmpty {
            Output.err(problems.map { "error: \($0)\n" }.joined())
            throw ExitCode(ExitStatus.invalid.rawValue)
        }
        var shards: [(name: String, report: RunReport)] = []
        for path in inputs {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                Output.err("error: cannot read \(path)\n")
                throw ExitCode(ExitStatus.invalid.rawValue)
            }
            do { shards.append((path, try JSONReport.decode(text))) } catch {
                Output.err("error: \(path) is not a rehearse JSON report: \(error.message)\n")
                throw ExitCode(ExitStatus.invalid.rawValue)
            }
        }
        var merged: RunReport
        do {
            let (report, warnings) = try ReportMerge.merge(shards)
            for w in warnings { Output.err("warning: \(w)\n") }
            merged = report
        } catch {
            Output.err("error: \(error.message)\n")
            throw ExitCode(ExitStatus.invalid.rawValue)
        }
        merged.gates = try gates.map { try Gate.parse($0) }
        let code = merged.exitCode
        let console = ConsoleReporter(live: false, color: Output.useColor(noColor: noColor), verbosity: quiet ? .quiet : .normal) { Output.out($0) }
        Output.out(console.finalText(merged, exitCode: code))
        // The shard reports were masked when written; nothing secret is known here.
        let wrote = Execution.writeReports(try reports.map { try ReportTarget.parse($0) }, merged, masker: SecretMasker(), quiet: quiet)
        if code != 0 { throw ExitCode(code) }
        if !wrote {
            Output.out("exit \(ExitStatus.failed.rawValue): a report could not be written\n")
            throw ExitCode(ExitStatus.failed.rawValue)
        }
    }
}
