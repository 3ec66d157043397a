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

/// Flags that shape how a run executes and reports; shared by `run` and `demo`.
struct ExecutionOptions: ParsableArguments {
    @Option(name: .customLong("env-file"), help: ArgumentHelp("Load variables from a dotenv file (repeatable; the real environment wins).", valueName: "file"))
    var envFiles: [String] = []

    // `.unconditional`: `--jobs -1` is a value to reject with its range, not a missing value.
    @Option(parsing: .unconditional, help: "Cases run at the same time (1 or more).")
    var jobs: Int = 8

    @Flag(name: .customLong("fail-fast"), help: "Stop starting cases after the first failure.")
    var failFast = false

    @Option(parsing: .unconditional, help: ArgumentHelp("Timeout for every request and WebSocket handshake, replacing the plans'; also the wait of receive steps without `within` (above zero, e.g. 5s).", valueName: "duration"))
    var timeout: String?

    @Flag(name: .customLong("dry-run"), help: "Print what would be sent; send nothing.")
    var dryRun = false

    @Option(parsing: .unconditional, help: ArgumentHelp("Seed for jitter and random ids: the same seed repeats a run (0 to \(UInt64.max)).", valueName: "seed"))
    var seed: String?

    @Flag(help: "Do not verify TLS certificates.")
    var insecure = false

    @Flag(help: "Show every case and the request headers of failures.")
    var verbose = false

    @Flag(help: "Only the summary.")
    var quiet = false

    @Flag(name: .customLong("no-color"), help: "No ANSI colours (also with NO_COLOR set).")
    var noColor = false

    @Option(name: .customLong("report"), help: ArgumentHelp("Write a report: json, junit, markdown or html, as FORMAT:PATH (repeatable).", valueName: "format:path"))
    var reports: [String] = []

    @Option(name: .customLong("gate"), help: ArgumentHelp("Least pass rate of a priority, e.g. critical=100 (repeatable). With gates, they decide the exit code.", valueName: "priority=percent"))
    var gates: [String] = []

    @Option(name: .customLong("rerun-failed"), help: ArgumentHelp("Run only the cases that failed, errored or xpassed in this JSON report (and what they need); combines with the selection flags.", valueName: "report.json"))
    var rerunFailed: String?

    @Flag(help: "Print each failed or errored case's last request as a curl command (credentials as $NAME placeholders).")
    var curl = false

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs takes a whole number of 1 or more, found \(jobs)") }
        if let timeout {
            if DurationParser.exceedsMaximum(timeout) {
                throw ValidationError("--timeout takes a duration of at most \(DurationParser.maximumHours)h, found '\(timeout)'")
            }
            guard let d = DurationParser.parse(timeout), d > .zero else {
                throw ValidationError("--timeout takes a duration above zero such as 500ms or 10s, found '\(timeout)'")
            }
        }
        _ = try parsedSeed()
        _ = try reportTargets()
        _ = try parsedGates()
        if verbose && quiet { throw ValidationError("--verbose and --quiet exclude each other") }
    }

    func reportTargets() throws -> [ReportTarget] {
        try reports.map { s in
            do { return try ReportTarget.parse(s) } catch { throw ValidationError("\(error)") }
        }
    }

    func parsedSeed() throws -> UInt64? {
        guard let seed else { return nil }
        guard let n = UInt64(seed) else {
            throw ValidationError("--seed takes a whole number from 0 to \(UInt64.max), found '\(seed)'")
        }
        return n
    }

    func parsedGates() throws -> [Gate] {
        try gates.map { s in
            do { return try Gate.parse(s) } catch { throw ValidationError("\(error)") }
        }
    }

    /// The run request for the compiled selection: every flag in its typed form.
    func request(_ plan: Pipeline.PlanRequest, environment: [String: String]) throws -> Pipeline.RunRequest {
        var r = Pipeline.RunRequest(plan: plan, environment: environment)
        r.envFiles = envFiles
        r.jobs = jobs
        r.failFast = failFast
        r.timeout = timeout.flatMap(DurationParser.parse)
        r.dryRun = dryRun
        r.seed = try parsedSeed()
        r.insecure = insecure
        r.verbosity = quiet ? .quiet : verbose ? .verbose : .normal
        r.reports = try reportTargets()
        r.gates = try parsedGates()
        r.trapSignals = true
        r.rerunFailed = rerunFailed
        r.curl = curl
        return r
    }
}

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run plans against an environment and report what works.")

    @OptionGroup var selection: SelectionOptions
    @OptionGroup var execution: ExecutionOptions

    func run() async throws {
        let request = try execution.request(try selection.planRequest(), environment: ProcessInfo.processInfo.environment)
        let outcome = await Pipeline.run(request, console: .standard(noColor: execution.noColor))
        try outcome.status.exit()
    }
}
